package stravasim

import (
	"encoding/json"
	"net/http"
)

// fault is Strava's error body: {"message": ..., "errors": [{"resource", "field", "code"}]}.
type fault struct {
	Message string       `json:"message"`
	Errors  []faultError `json:"errors"`
}

type faultError struct {
	Resource string `json:"resource"`
	Field    string `json:"field"`
	Code     string `json:"code"`
}

// apiError is a Strava error response: a status code and Strava's error body.
type apiError struct {
	status int
	body   fault
}

func newAPIError(status int, message, resource, field, code string) *apiError {
	return &apiError{status: status, body: fault{
		Message: message,
		Errors:  []faultError{{Resource: resource, Field: field, Code: code}},
	}}
}

// The bodies below are the ones Strava sends; where Strava's exact wording is
// not documented the shape is kept and the closest documented values are used.

// errTokenInvalid: missing, unknown, revoked or expired access token.
func errTokenInvalid() *apiError {
	return newAPIError(http.StatusUnauthorized, "Authorization Error", "Athlete", "access_token", "invalid")
}

// errMissingActivityRead: the token lacks activity:read and activity:read_all.
func errMissingActivityRead() *apiError {
	return newAPIError(http.StatusUnauthorized, "Authorization Error", "AccessToken", "activity:read_permission", "missing")
}

func errNotFound(resource string) *apiError {
	return newAPIError(http.StatusNotFound, "Record Not Found", resource, "id", "invalid")
}

func errBadRequest(resource, field, code string) *apiError {
	return newAPIError(http.StatusBadRequest, "Bad Request", resource, field, code)
}

func errRateLimited() *apiError {
	return newAPIError(http.StatusTooManyRequests, "Rate Limit Exceeded", "Application", "rate limit", "exceeded")
}

// errAppInactive is what Strava answers on every API call once the developer
// program subscription of the application lapsed.
func errAppInactive() *apiError {
	return newAPIError(http.StatusForbidden, "Forbidden", "Application", "Status", "Inactive")
}

// errClientInvalid: a wrong client secret (or id) at the token endpoint.
func errClientInvalid() *apiError {
	return newAPIError(http.StatusUnauthorized, "Authorization Error", "Application", "", "invalid")
}

func errInjected(status int) *apiError {
	return &apiError{status: status, body: fault{Message: http.StatusText(status), Errors: []faultError{}}}
}

func errRouteNotFound() *apiError {
	return &apiError{status: http.StatusNotFound, body: fault{Message: "Resource Not Found", Errors: []faultError{}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Every value written here is built by the simulator; failing to
		// encode it is a bug, reported as Strava reports its own.
		status = http.StatusInternalServerError
		body = []byte(`{"message":"Internal Server Error","errors":[]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, e.body)
}
