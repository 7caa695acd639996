// Package logging builds the JSON structured logger every function uses.
// It is separate from internal/runtime/telemetry so that a function without AWS
// clients (validate) does not link the X-Ray SDK.
package logging

import (
	"io"
	"log/slog"
	"os"
)

// NewLogger returns a JSON slog logger writing to w. The level comes from
// LOG_LEVEL (debug, info, warn, error; default info).
func NewLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
