package cli

import (
	"io"
	"log/slog"
	"path/filepath"

	"gopkg.in/natefinch/lumberjack.v2"
)

// LogFile is the log of the long-running modes (window, serve, demo) in the
// data dir: a double-clicked app has no terminal. It is rotated at 5 MB and
// never holds a secret.
const LogFile = "owtray.log"

// useLogFile makes e log to <data dir>/owtray.log (info and above) as well
// as to stderr, and returns a func that closes the file. Without a usable
// configuration it logs to stderr only (the command reports the problem).
func (e *env) useLogFile() (closeFile func()) {
	cfg, err := e.loadConfig()
	if err != nil || cfg.EnsureDataDir() != nil {
		return func() {}
	}
	file := &lumberjack.Logger{
		Filename:   filepath.Join(cfg.DataDir, LogFile),
		MaxSize:    5, // MB
		MaxBackups: 3,
	}
	e.log = slog.New(slog.NewMultiHandler(
		e.log.Handler(),
		slog.NewTextHandler(file, &slog.HandlerOptions{Level: slog.LevelInfo}),
	))
	e.appOptions.Logger = e.log
	return func() { _ = io.Closer(file).Close() }
}
