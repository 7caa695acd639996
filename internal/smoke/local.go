package smoke

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// LocalPlatform reads the local runner's platform state from its own
// endpoints: GET /_local/executions (newest first) and GET
// /_local/metrics (the alarms the runner evaluates as CloudWatch does).
type LocalPlatform struct {
	BaseURL string
	// Suffix names the recovery workflow (recovery-workflow-<suffix>).
	Suffix string
	HTTP   *http.Client
}

func (p LocalPlatform) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(p.BaseURL, "/")+path, nil)
	if err != nil {
		return err
	}
	c := p.HTTP
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// LastRecovery returns the runner's newest recovery execution.
func (p LocalPlatform) LastRecovery(ctx context.Context) (string, time.Time, error) {
	var out struct {
		Executions []struct {
			Workflow, Status string
			StartDate        time.Time
		} `json:"executions"`
	}
	if err := p.get(ctx, "/_local/executions", &out); err != nil {
		return "", time.Time{}, err
	}
	for _, e := range out.Executions {
		if e.Workflow == "recovery-workflow-"+p.Suffix {
			return e.Status, e.StartDate, nil
		}
	}
	return "", time.Time{}, nil
}

// AlarmsInAlarm returns the runner's alarms in ALARM.
func (p LocalPlatform) AlarmsInAlarm(ctx context.Context) ([]string, error) {
	var out struct {
		Alarms struct {
			InAlarm []string `json:"inAlarm"`
		} `json:"alarms"`
	}
	if err := p.get(ctx, "/_local/metrics", &out); err != nil {
		return nil, err
	}
	return out.Alarms.InAlarm, nil
}
