package asllint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Config is the JSON file the CLI reads with -config: a profile, per-rule
// settings and the policy knobs of Options. Every field is optional; unknown
// fields are errors, so a misspelt setting cannot silently check less.
//
//	{
//	  "profile": "strict",
//	  "rules": {"catch-all": "off", "choice-default": "error", "dead-state": "on"},
//	  "declaredErrors": ["Payment.Invalid", "Payment.StoreUnavailable"],
//	  "machineType": "EXPRESS",
//	  "synchronous": true,
//	  "budgetSeconds": 29,
//	  "maxRetryAttempts": 10
//	}
//
// A rule setting is "off" (never run), "on" (run even when the profile
// leaves it out), or "error"/"warning" (run, with every finding at that
// severity).
type Config struct {
	Profile          Profile           `json:"profile,omitempty"`
	Rules            map[string]string `json:"rules,omitempty"`
	DeclaredErrors   []string          `json:"declaredErrors,omitempty"`
	MachineType      string            `json:"machineType,omitempty"`
	Synchronous      *bool             `json:"synchronous,omitempty"`
	BudgetSeconds    float64           `json:"budgetSeconds,omitempty"`
	MaxRetryAttempts int               `json:"maxRetryAttempts,omitempty"`
}

// Rule settings of a Config.
const (
	RuleOff = "off"
	RuleOn  = "on"
)

// ParseConfig decodes and validates a config file's content.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errors.New("config: trailing data after the JSON object")
	}
	if _, err := c.Options(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadConfig reads and validates a config file.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Options returns the Options the config describes, validated.
func (c Config) Options() (Options, error) {
	o := Options{
		Profile:          c.Profile,
		DeclaredErrors:   c.DeclaredErrors,
		MachineType:      strings.ToUpper(c.MachineType),
		BudgetSeconds:    c.BudgetSeconds,
		MaxRetryAttempts: c.MaxRetryAttempts,
	}
	if c.Synchronous != nil {
		o.Synchronous = *c.Synchronous
	}
	var errs []error
	for _, id := range sortedKeys(c.Rules) {
		switch v := c.Rules[id]; v {
		case RuleOff:
			o.Disable = append(o.Disable, id)
		case RuleOn:
			o.Enable = append(o.Enable, id)
		case string(Error), string(Warning):
			o.Enable = append(o.Enable, id)
			if o.Severity == nil {
				o.Severity = map[string]Severity{}
			}
			o.Severity[id] = Severity(v)
		default:
			errs = append(errs, fmt.Errorf("rule %s: setting %q is not one of off, on, error, warning", id, v))
		}
	}
	if c.BudgetSeconds < 0 {
		errs = append(errs, fmt.Errorf("budgetSeconds %g is negative", c.BudgetSeconds))
	}
	if c.MaxRetryAttempts < 0 {
		errs = append(errs, fmt.Errorf("maxRetryAttempts %d is negative", c.MaxRetryAttempts))
	}
	if err := o.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Options{}, fmt.Errorf("config: %w", err)
	}
	return o, nil
}
