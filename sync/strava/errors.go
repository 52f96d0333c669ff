package strava

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrUnauthorized: Strava answered 401, the access token (or, for push
	// subscriptions, the application credentials) is invalid or expired.
	ErrUnauthorized = errors.New("strava: unauthorized")
	// ErrMissingPermission: Strava answered 401 because the athlete did not
	// grant a permission (scope) the request needs; it also matches
	// ErrUnauthorized. APIError.MissingPermission names it.
	ErrMissingPermission = errors.New("strava: permission not granted")
	// ErrForbidden: Strava answered 403. ErrAppInactive and ErrAthleteLimit
	// are the two kinds worth telling apart; both also match ErrForbidden.
	ErrForbidden = errors.New("strava: forbidden")
	// ErrAppInactive: the Strava API application is inactive (its owner's
	// developer subscription lapsed).
	ErrAppInactive = errors.New("strava: API application inactive")
	// ErrAthleteLimit: the application's limit of connected athletes is reached.
	ErrAthleteLimit = errors.New("strava: limit of connected athletes exceeded")
	// ErrNotFound: Strava answered 404, e.g. the activity was deleted or is
	// not visible to the athlete.
	ErrNotFound = errors.New("strava: not found")
	// ErrRateLimited: Strava answered 429, or the client refused to send a
	// request the last rate-limit headers say would be refused.
	ErrRateLimited = errors.New("strava: rate limit reached")
	// ErrServer: Strava answered 5xx.
	ErrServer = errors.New("strava: server error")
	// ErrBadRequest: Strava rejected the request with another 4xx status.
	ErrBadRequest = errors.New("strava: request rejected")
	// ErrNetwork: Strava could not be reached (connection failed or timed out).
	ErrNetwork = errors.New("strava: network error")
	// ErrBadResponse: a successful response could not be understood
	// (invalid JSON, wrong shape, missing id).
	ErrBadResponse = errors.New("strava: unexpected response")
)

// FieldError is one entry of the "errors" list in Strava's error body.
type FieldError struct {
	Resource string `json:"resource"`
	Field    string `json:"field"`
	Code     string `json:"code"`
}

func (f FieldError) String() string {
	var parts []string
	if f.Resource != "" || f.Field != "" {
		parts = append(parts, strings.Trim(f.Resource+"."+f.Field, "."))
	}
	if f.Code != "" {
		parts = append(parts, f.Code)
	}
	return strings.Join(parts, " ")
}

// APIError is a non-2xx answer from Strava. Path never includes the query
// string (it may carry the client secret).
type APIError struct {
	StatusCode int
	// Message and Errors come from Strava's JSON error body; Message is empty
	// when the body was not JSON (e.g. an HTML page from a proxy).
	Message string
	Errors  []FieldError
	Method  string
	Path    string
	// AppAuth is true when the request authenticated with the application's
	// client ID and secret rather than an athlete's access token.
	AppAuth bool
	// ContentType is the response's Content-Type.
	ContentType string
}

// Is lets errors.Is match the sentinel errors for the status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrMissingPermission:
		return e.MissingPermission() != ""
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrAppInactive:
		return e.StatusCode == http.StatusForbidden && e.appInactive()
	case ErrAthleteLimit:
		return e.StatusCode == http.StatusForbidden && e.athleteLimit()
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	case ErrBadRequest:
		return e.StatusCode >= 400 && e.StatusCode < 500 && !e.known4xx()
	}
	return false
}

func (e *APIError) known4xx() bool {
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
		return true
	}
	return false
}

// MissingPermission returns the scope Strava says the token lacks, e.g.
// "activity:read" for {"resource":"AccessToken","field":
// "activity:read_permission","code":"missing"}, or "" for other errors.
func (e *APIError) MissingPermission() string {
	if e.StatusCode != http.StatusUnauthorized {
		return ""
	}
	for _, f := range e.Errors {
		if scope, ok := strings.CutSuffix(f.Field, "_permission"); ok && scope != "" && strings.EqualFold(f.Code, "missing") {
			return scope
		}
	}
	return ""
}

// appInactive: {"resource":"Application","field":"Status","code":"Inactive"}.
func (e *APIError) appInactive() bool {
	for _, f := range e.Errors {
		if strings.EqualFold(f.Resource, "Application") &&
			(containsFold(f.Code, "inactive") || containsFold(f.Field, "inactive")) {
			return true
		}
	}
	return false
}

// athleteLimit: "Limit of connected athletes exceeded", in the message or in
// the errors list.
func (e *APIError) athleteLimit() bool {
	texts := []string{e.Message}
	for _, f := range e.Errors {
		texts = append(texts, f.Resource+" "+f.Field+" "+f.Code)
	}
	for _, t := range texts {
		if containsFold(t, "connected athlete") {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}

// Error gives a human message for the status first, then Strava's details.
func (e *APIError) Error() string {
	status := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	var human string
	switch {
	case e.StatusCode == http.StatusUnauthorized && e.AppAuth:
		human = fmt.Sprintf("Strava rejected the application credentials (%s): check the client ID and client secret", status)
	case e.MissingPermission() != "":
		human = fmt.Sprintf("Strava says the connection lacks the %s permission (%s): reconnect and grant it", e.MissingPermission(), status)
	case e.StatusCode == http.StatusUnauthorized:
		human = fmt.Sprintf("Strava rejected the access token (%s): reconnect your account", status)
	case e.StatusCode == http.StatusForbidden && e.appInactive():
		human = fmt.Sprintf("Strava API application is inactive (%s): its owner must renew the Strava subscription and reactivate the app at https://www.strava.com/settings/api", status)
	case e.StatusCode == http.StatusForbidden && e.athleteLimit():
		human = fmt.Sprintf("Strava API application has reached its limit of connected athletes (%s): disconnect another athlete from the app or ask Strava for a higher limit", status)
	case e.StatusCode == http.StatusForbidden:
		human = fmt.Sprintf("Strava refused access (%s): the connection may lack a required permission; reconnect and grant all requested permissions", status)
	case e.StatusCode == http.StatusNotFound:
		human = fmt.Sprintf("Strava has no such record (%s): it was deleted or is not visible to this account", status)
	case e.StatusCode == http.StatusTooManyRequests:
		human = fmt.Sprintf("Strava rate limit exceeded (%s)", status)
	case e.StatusCode >= 500:
		human = fmt.Sprintf("Strava is having problems (%s): try again later", status)
	default:
		human = fmt.Sprintf("Strava rejected the request (%s)", status)
	}
	return human + " [" + e.details() + "]"
}

func (e *APIError) details() string {
	var b strings.Builder
	b.WriteString(e.Method + " " + e.Path)
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.ContentType != "":
		b.WriteString(": non-JSON " + e.ContentType + " response")
	default:
		b.WriteString(": response without a Strava error message")
	}
	for i, f := range e.Errors {
		if i == 0 {
			b.WriteString(";")
		} else {
			b.WriteString(",")
		}
		b.WriteString(" " + f.String())
	}
	return b.String()
}

// RateLimitError reports a reached rate limit: either Strava answered 429
// (API is set) or the client did not send the request because the last
// rate-limit headers say Strava would refuse it (API is nil).
type RateLimitError struct {
	// Scope and Window name the exhausted limit; both are empty when Strava
	// answered 429 without usable rate-limit headers.
	Scope  Scope
	Window Window
	Usage  int
	Limit  int
	// ResumeAt is when the exhausted window resets, in the location of the
	// client's clock.
	ResumeAt time.Time
	// At is when the limit was found reached.
	At time.Time
	// API is Strava's 429 answer; nil when the request was not sent.
	API *APIError
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Unwrap returns Strava's 429 answer, if there was one.
func (e *RateLimitError) Unwrap() error {
	if e.API == nil {
		return nil
	}
	return e.API
}

// Refused reports whether the client refused to send the request (as
// opposed to Strava answering 429).
func (e *RateLimitError) Refused() bool { return e.API == nil }

// Error reads like "Strava rate limit reached (100/100 reads this 15 min);
// resumes at 14:45".
func (e *RateLimitError) Error() string {
	what := "requests"
	if e.Scope == ScopeRead {
		what = "reads"
	}
	var detail string
	switch e.Window {
	case Window15Min:
		detail = fmt.Sprintf("%d/%d %s this 15 min", e.Usage, e.Limit, what)
	case WindowDaily:
		detail = fmt.Sprintf("%d/%d %s today", e.Usage, e.Limit, what)
	default:
		detail = "429 Too Many Requests"
	}
	resume := e.ResumeAt.Format("15:04")
	if y1, m1, d1 := e.ResumeAt.Date(); !e.At.IsZero() {
		if y0, m0, d0 := e.At.In(e.ResumeAt.Location()).Date(); y0 != y1 || m0 != m1 || d0 != d1 {
			resume += " tomorrow"
		}
	}
	return fmt.Sprintf("Strava rate limit reached (%s); resumes at %s", detail, resume)
}
