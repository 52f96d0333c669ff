package tunnel

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kinds of failure, matched with errors.Is on an *Error.
var (
	// ErrConfig: the Config is invalid; Run returns before any network access.
	ErrConfig = errors.New("invalid tunnel configuration")
	// ErrAuthtoken: ngrok rejected the authtoken. Run gives up.
	ErrAuthtoken = errors.New("ngrok rejected the authtoken")
	// ErrAccount: the ngrok account cannot start a session now (not
	// verified, or its session limit is reached). Run retries.
	ErrAccount = errors.New("ngrok account cannot open a session")
	// ErrDomain: the endpoint's domain cannot be used by this agent (not
	// reserved, reserved by another account, or online elsewhere). Run
	// retries, so reserving the domain on the dashboard is enough.
	ErrDomain = errors.New("ngrok domain unavailable")
	// ErrUnreachable: the ngrok service could not be reached or did not
	// answer in time. Run retries.
	ErrUnreachable = errors.New("ngrok service unreachable")
	// ErrNgrok: any other failure reported by ngrok, or the endpoint
	// closed. Run retries.
	ErrNgrok = errors.New("ngrok failure")
)

// Error is a tunnel failure phrased for people. Its text never contains the
// authtoken, and it keeps no reference to the error it was made from (whose
// text might).
type Error struct {
	Kind error  // one of the Err* kinds above
	Code string // ngrok's error code, e.g. "ERR_NGROK_107"; may be empty
	Msg  string // human-readable, redacted
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns e.Kind, so errors.Is(err, ErrAuthtoken) works.
func (e *Error) Unwrap() error { return e.Kind }

func configError(format string, args ...any) *Error {
	return &Error{Kind: ErrConfig, Msg: fmt.Sprintf(format, args...)}
}

// permanent reports whether retrying cannot help.
func (e *Error) permanent() bool {
	return errors.Is(e, ErrAuthtoken) || errors.Is(e, ErrConfig)
}

const (
	tokenHelp  = "check NGROK_AUTHTOKEN against https://dashboard.ngrok.com/get-started/your-authtoken"
	domainHelp = "reserve it at https://dashboard.ngrok.com/domains or unset NGROK_DOMAIN"
)

// classifier turns errors from ngrok into *Error values.
type classifier struct {
	token  string // redacted from every text
	domain string // Config.Domain, for messages
}

// codedError is how ngrok errors expose their code: ngrok.Error has Code();
// the errors its session reports in events have ErrorCode().
type codedError interface {
	error
	Code() string
}

type legacyCodedError interface {
	error
	ErrorCode() string
}

var codeRE = regexp.MustCompile(`ERR_NGROK_\d+`)

// ngrokCode finds ngrok's error code in err's chain or, failing that, text.
func ngrokCode(err error) string {
	if ce, ok := errors.AsType[codedError](err); ok && ce.Code() != "" {
		return ce.Code()
	}
	if ce, ok := errors.AsType[legacyCodedError](err); ok && ce.ErrorCode() != "" {
		return ce.ErrorCode()
	}
	return codeRE.FindString(err.Error())
}

// classify phrases err. Errors without an ngrok code get kind unknown and
// the prefix what, e.g. "cannot reach the ngrok service".
func (c classifier) classify(err error, unknown error, what string) *Error {
	if err == nil {
		return &Error{Kind: unknown, Msg: what}
	}
	if te, ok := errors.AsType[*Error](err); ok {
		return te
	}
	code := ngrokCode(err)
	e := &Error{Code: code}
	domain := "the domain"
	if c.domain != "" {
		domain = fmt.Sprintf("the domain %q", c.domain)
	}
	switch code {
	case "":
		e.Kind, e.Msg = unknown, what+": "+c.detail(err)
	case "ERR_NGROK_105", "ERR_NGROK_106", "ERR_NGROK_107", "ERR_NGROK_300":
		e.Kind, e.Msg = ErrAuthtoken, "ngrok rejected the authtoken ("+code+"); "+tokenHelp
	case "ERR_NGROK_4018":
		e.Kind, e.Msg = ErrAccount, "ngrok needs a verified account and authtoken ("+code+"); "+tokenHelp
	case "ERR_NGROK_108":
		e.Kind, e.Msg = ErrAccount, "another ngrok agent is already running on this ngrok account, which allows one at a time ("+code+"); stop it"
	case "ERR_NGROK_319", "ERR_NGROK_354", "ERR_NGROK_7117", "ERR_NGROK_7118":
		e.Kind, e.Msg = ErrDomain, domain+" is not reserved for this ngrok account ("+code+"); "+domainHelp
	case "ERR_NGROK_320", "ERR_NGROK_414":
		e.Kind, e.Msg = ErrDomain, domain+" is reserved by another ngrok account ("+code+"); "+domainHelp
	case "ERR_NGROK_334":
		e.Kind, e.Msg = ErrDomain, "the endpoint is already online elsewhere, perhaps another owtray or ngrok agent ("+code+")"
	default:
		e.Kind, e.Msg = ErrNgrok, "ngrok error "+code+": "+c.detail(err)
	}
	return e
}

// detail is the first meaningful line of err's text, redacted: ngrok's
// messages run over several lines, end with a docs link and may quote the
// authtoken.
func (c classifier) detail(err error) string {
	text := c.redact(err.Error())
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(codeRE.ReplaceAllString(line, ""))
		if line != "" {
			return strings.TrimSuffix(line, ".")
		}
	}
	return "unknown error"
}

// redacted replaces the secret itself, and drops any line in which ngrok
// quotes an authtoken whatever its spelling.
const redacted = "[REDACTED]"

var quotedTokenRE = regexp.MustCompile(`(?i)(your )?auth ?token:[^\n]*`)

func (c classifier) redact(s string) string {
	return redact(s, c.token)
}

func redact(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, redacted)
	}
	return quotedTokenRE.ReplaceAllString(s, "authtoken: "+redacted)
}
