package tunnel

import (
	"context"
	"fmt"
	"log/slog"
)

// redactHandler removes the authtoken from every message and attribute
// before passing records on. It guards the log lines of the ngrok library,
// which quote the errors of its service verbatim, and owtray's own.
type redactHandler struct {
	inner    slog.Handler
	token    string
	minLevel slog.Leveler // records below are dropped; nil keeps all
}

func newRedactHandler(inner slog.Handler, token string, minLevel slog.Leveler) *redactHandler {
	return &redactHandler{inner: inner, token: token, minLevel: minLevel}
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if h.minLevel != nil && l < h.minLevel.Level() {
		return false
	}
	return h.inner.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redact(r.Message, h.token), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &redactHandler{inner: h.inner.WithAttrs(clean), token: h.token, minLevel: h.minLevel}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{inner: h.inner.WithGroup(name), token: h.token, minLevel: h.minLevel}
}

// attr redacts strings, and turns any other non-scalar value (errors,
// structs) into its redacted text, since handlers may print it in ways
// that show the token.
func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String(), h.token))
	case slog.KindAny:
		return slog.String(a.Key, redact(fmt.Sprint(v.Any()), h.token))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}
