package localrun

import "testing"

func TestRedrivesMoveAsMuchFasterAsTheRecoveryWaitsAreShorter(t *testing.T) {
	rate := func(n int32) *int32 { return &n }
	for _, c := range []struct {
		name  string
		rate  *int32
		scale float64
		want  *int32
	}{
		{"deployed timing", rate(10), 1, rate(10)},
		{"no scale set", rate(10), 0, rate(10)},
		{"60 times faster", rate(10), 60, rate(500)},
		{"30 times faster", rate(10), 30, rate(300)},
		{"capped at SQS's maximum", rate(10), 600, rate(500)},
		{"SQS's default (no limit) stays", nil, 600, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := scaledMoveRate(c.rate, c.scale)
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Errorf("scaledMoveRate(%v, %v) = %v, want %v", deref(c.rate), c.scale, deref(got), deref(c.want))
			}
		})
	}
}

func deref(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}
