package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// Messages of the connect states.
const (
	msgSaving        = "Saving your settings…"
	msgSetupSaved    = "Saved."
	msgWaiting       = "Waiting for you to approve owtray in your browser…"
	msgFixFields     = "Fix the fields marked in red."
	msgCancelled     = "Cancelled."
	msgStartingDemo  = "Starting the demo with a simulated Strava…"
	msgDemoFailed    = "Couldn't start the demo: "
	msgConnectFailed = "Couldn't connect: "
)

// connectMessage says what went wrong and how to fix it.
func connectMessage(r ConnectReason) string {
	switch r {
	case ConnectDenied:
		return "Strava access was denied. Click Connect with Strava again and choose Authorize on Strava's page."
	case ConnectMissingScope:
		return "Strava did not grant permission to read your activities. Connect again and leave " +
			"\"View data about your activities\" checked."
	case ConnectBadClientSecret:
		return "Strava rejected the Client ID or Client Secret. Copy both again from strava.com/settings/api."
	case ConnectSubscriptionInactive:
		return "Strava says your API application is inactive. Re-activate it at strava.com/settings/api, then connect again."
	case ConnectTimeout:
		return "No answer from the browser in time. Click Connect with Strava to try again."
	}
	return "Connecting to Strava failed."
}

// connectFailureText describes a failed Connect, SaveSetup or StartDemo.
func connectFailureText(prefix string, err error) string {
	var ce *ConnectError
	switch {
	case errors.As(err, &ce):
		return ce.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return connectMessage(ConnectTimeout)
	}
	return prefix + err.Error()
}

// connectedText: "Connected as Jane Doe (12345)." and any warnings.
func connectedText(r ConnectResult) string {
	lines := []string{"Connected as " + r.Athlete + " (" + strconv.FormatInt(r.AthleteID, 10) + ")."}
	return strings.Join(append(lines, r.Warnings...), "\n")
}
