package console

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// luminance is the relative luminance of an sRGB colour #rrggbb (WCAG 2).
func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestColoursMeetWCAGAA reads the stylesheet's colours and checks the
// pairs the pages use: text at least 4.5:1 on its background, lines,
// borders and the focus ring at least 3:1 (WCAG 2.2 SC 1.4.3 and 1.4.11).
func TestColoursMeetWCAGAA(t *testing.T) {
	css, err := assetFS.ReadFile("assets/console.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	for _, tc := range []struct {
		fg, bg string
		min    float64
	}{
		{"text", "bg", 4.5}, {"muted", "bg", 4.5}, {"muted", "panel", 4.5}, {"link", "bg", 4.5},
		{"ok-fg", "ok-bg", 4.5}, {"warn-fg", "warn-bg", 4.5}, {"bad-fg", "bad-bg", 4.5}, {"run-fg", "run-bg", 4.5},
		{"text", "ok-bg", 4.5}, {"text", "warn-bg", 4.5}, {"text", "bad-bg", 4.5}, {"muted", "ok-bg", 4.5}, {"muted", "warn-bg", 4.5}, {"muted", "bad-bg", 4.5},
		{"line", "bg", 3}, {"focus", "bg", 3}, {"ok-line", "bg", 3}, {"warn-line", "bg", 3}, {"bad-line", "bg", 3}, {"run-line", "bg", 3},
		{"focus", "warn-bg", 3},
	} {
		fg, bg := vars[tc.fg], vars[tc.bg]
		if fg == "" || bg == "" {
			t.Errorf("the stylesheet defines no --%s or --%s", tc.fg, tc.bg)
			continue
		}
		if c := contrast(fg, bg); c < tc.min {
			t.Errorf("--%s %s on --%s %s: contrast %.2f:1, want at least %.1f:1", tc.fg, fg, tc.bg, bg, c, tc.min)
		}
	}
}
