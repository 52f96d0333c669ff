package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// ErrInvalidTokenResponse means Strava answered the token request, but with
// something that is not a usable grant. Nothing is stored from it.
//
//lint:ignore ST1005 "Strava" is a name and keeps its capital
var ErrInvalidTokenResponse = errors.New("Strava answered with an invalid token response")

// MaxTokenLifetime bounds a plausible expiry: Strava's access tokens live six
// hours (https://developers.strava.com/docs/authentication/); a token said to
// live longer than this is not believed.
const MaxTokenLifetime = 30 * 24 * time.Hour

// invalidToken names the offending field (never its value: it may be a token).
func invalidToken(op, field, why string) error {
	return fmt.Errorf("%s: %w (field %s: %s)", op, ErrInvalidTokenResponse, field, why)
}

// checkTokenResponse validates a token answer before anything is stored:
// non-empty access and refresh tokens, and an expiry that is a number, in the
// future and not absurdly far (expires_at, else expires_in as oauth2 read it).
func checkTokenResponse(op string, ot *oauth2.Token, now time.Time) error {
	if ot.AccessToken == "" {
		return invalidToken(op, "access_token", "empty")
	}
	if ot.RefreshToken == "" {
		return invalidToken(op, "refresh_token", "empty")
	}
	if tt := ot.Extra("token_type"); tt != nil {
		if s, ok := tt.(string); !ok || (s != "" && s != "Bearer" && s != "bearer") {
			return invalidToken(op, "token_type", "not Bearer")
		}
	}
	for _, field := range []string{"expires_at", "expires_in"} {
		if v := ot.Extra(field); v != nil {
			if _, ok := v.(float64); !ok {
				return invalidToken(op, field, "not a number")
			}
		}
	}
	exp := expiryOf(ot)
	field := "expires_at"
	if ot.Extra("expires_at") == nil {
		field = "expires_in"
	}
	switch {
	case exp.IsZero():
		return invalidToken(op, "expires_at", "missing")
	case !exp.After(now):
		return invalidToken(op, field, "already expired")
	case exp.Sub(now) > MaxTokenLifetime:
		return invalidToken(op, field, fmt.Sprintf("more than %d days ahead", int(MaxTokenLifetime.Hours()/24)))
	}
	return nil
}

// unreachable says whether err is a transport failure (Strava not reached),
// as opposed to an answer that oauth2 could not read.
func unreachable(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// unreadableAnswer is the error for a token answer oauth2 could not read;
// its text may quote the body, so only a fixed description is kept.
func unreadableAnswer(op string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "missing access_token"):
		return invalidToken(op, "access_token", "missing")
	case strings.Contains(msg, "expires_in"):
		return invalidToken(op, "expires_in", "not a number")
	default:
		return fmt.Errorf("%s: %w (not JSON, or fields of the wrong type)", op, ErrInvalidTokenResponse)
	}
}
