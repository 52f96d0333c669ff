package tunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/owtray/owtray/sync/logtest"
)

// sessionError is shaped like the errors ngrok's session reports in events.
type sessionError struct{ msg string }

func (e sessionError) Error() string { return e.msg }
func (e sessionError) ErrorCode() string {
	return codeRE.FindString(e.msg)
}

// agentError is shaped like ngrok.Error, returned by Agent methods.
type agentError struct{ msg, code string }

func (e agentError) Error() string { return e.msg }
func (e agentError) Code() string  { return e.code }

func TestClassify(t *testing.T) {
	t.Parallel()
	quoting := func(code string) string {
		return "The authtoken you specified does not look like a proper ngrok authtoken.\nYour authtoken: " + testToken +
			"\nInstructions to install your authtoken are on your ngrok dashboard.\n\n" + code
	}
	tests := []struct {
		name     string
		err      error
		wantKind error
		wantCode string
		wantMsg  string
	}{
		{"auth via event", fmt.Errorf("authentication failed: %w", sessionError{quoting("ERR_NGROK_105")}), ErrAuthtoken, "ERR_NGROK_105", "ngrok rejected the authtoken (ERR_NGROK_105); check NGROK_AUTHTOKEN"},
		{"auth via agent", agentError{quoting("ERR_NGROK_107"), "ERR_NGROK_107"}, ErrAuthtoken, "ERR_NGROK_107", "ngrok rejected the authtoken (ERR_NGROK_107)"},
		{"revoked credential", sessionError{"The authtoken credential cr_1 has been revoked.\n\nERR_NGROK_300"}, ErrAuthtoken, "ERR_NGROK_300", "ngrok rejected the authtoken"},
		{"code only in text", errors.Join(io.EOF, errors.New("failed to start tunnel: bad\n\nERR_NGROK_319")), ErrDomain, "ERR_NGROK_319", `the domain "owtray-me.ngrok.app" is not reserved for this ngrok account (ERR_NGROK_319); reserve it`},
		{"other account's domain", sessionError{"This domain is reserved for another account.\n\nERR_NGROK_320"}, ErrDomain, "ERR_NGROK_320", "is reserved by another ngrok account"},
		{"unverified account", sessionError{"Usage of ngrok requires a verified account and authtoken.\n\nERR_NGROK_4018"}, ErrAccount, "ERR_NGROK_4018", "verified account"},
		{"unknown code quoting the token", sessionError{"Weird: token " + testToken + " refused\n\nERR_NGROK_12345"}, ErrNgrok, "ERR_NGROK_12345", "ngrok error ERR_NGROK_12345: Weird: token [REDACTED] refused"},
		{"dial failure", fmt.Errorf(`failed to dial ngrok server with address "127.0.0.1:9": %w`, errors.New("connection refused")), ErrUnreachable, "", `cannot reach the ngrok service: failed to dial ngrok server with address "127.0.0.1:9": connection refused`},
		{"quoted token without code", errors.New("auth failed; your authtoken: " + strings.ToUpper(testToken)), ErrUnreachable, "", "cannot reach the ngrok service: auth failed; authtoken: [REDACTED]"},
		{"empty text", errors.New(""), ErrUnreachable, "", "cannot reach the ngrok service: unknown error"},
		{"nil", nil, ErrUnreachable, "", "cannot reach the ngrok service"},
		{"already classified", fmt.Errorf("x: %w", &Error{Kind: ErrDomain, Msg: "m"}), ErrDomain, "", "m"},
	}
	c := classifier{token: testToken, domain: "owtray-me.ngrok.app"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := c.classify(tt.err, ErrUnreachable, "cannot reach the ngrok service")
			if !errors.Is(got, tt.wantKind) || got.Code != tt.wantCode || !strings.Contains(got.Msg, tt.wantMsg) {
				t.Errorf("classify = %#v\nwant kind %v, code %q, message with %q", got, tt.wantKind, tt.wantCode, tt.wantMsg)
			}
			if strings.Contains(strings.ToLower(got.Error()), strings.ToLower(testToken)) {
				t.Errorf("message leaks the token: %s", got)
			}
			if errors.Unwrap(got) != tt.wantKind {
				t.Errorf("Unwrap = %v, want only the kind", errors.Unwrap(got))
			}
		})
	}
}

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"", "", false},
		{"  owtray-me.ngrok.app ", "owtray-me.ngrok.app", false},
		{"OWTRAY-ME.ngrok-free.app.", "owtray-me.ngrok-free.app", false},
		{"https://hooks.example.org", "hooks.example.org", false},
		{"https://hooks.example.org/", "hooks.example.org", false},
		{"hooks.example.org/x", "", true},
		{"http://hooks.example.org", "", true},
		{"https://u@hooks.example.org", "", true},
		{"hooks..example.org", "", true},
		{"localhost", "", true},
		{strings.Repeat("a", 64) + ".example.org", "", true},
		{"*.example.org", "", true},
	}
	for _, tt := range tests {
		got, err := normalizeDomain(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("normalizeDomain(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

type secretValue struct{ Token string }

func TestRedactHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want string // must be in the output
	}{
		{"message", func(l *slog.Logger) { l.Warn("bad token " + testToken) }, "bad token [REDACTED]"},
		{"string attr", func(l *slog.Logger) { l.Warn("x", "tok", testToken) }, "tok=[REDACTED]"},
		{"error attr", func(l *slog.Logger) {
			l.Warn("x", "err", fmt.Errorf("wrapped: %w", errors.New("Your authtoken: "+testToken)))
		}, "wrapped: authtoken: [REDACTED]"},
		{"struct attr", func(l *slog.Logger) { l.Warn("x", "v", secretValue{testToken}) }, "v={[REDACTED]}"},
		{"group", func(l *slog.Logger) { l.Warn("x", slog.Group("g", "tok", testToken)) }, "g.tok=[REDACTED]"},
		{"with attrs", func(l *slog.Logger) { l.With("tok", testToken).WithGroup("g").Warn("x", "n", 1) }, "tok=[REDACTED]"},
		{"below minimum dropped", func(l *slog.Logger) { l.Info("quiet " + testToken); l.Warn("loud") }, "msg=loud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf logtest.Buffer
			inner := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})
			tt.log(slog.New(newRedactHandler(inner, testToken, slog.LevelWarn)))
			out := buf.String()
			if strings.Contains(out, testToken) || strings.Contains(out, "quiet") {
				t.Errorf("output leaks:\n%s", out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output %q lacks %q", out, tt.want)
			}
		})
	}
	h := newRedactHandler(slog.DiscardHandler, testToken, nil)
	if h.Enabled(context.Background(), slog.LevelError) {
		t.Error("enabled although the inner handler is not")
	}
}
