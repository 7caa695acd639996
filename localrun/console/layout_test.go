package console

import (
	"math"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

func parseDef(t testing.TB, def string) *asl.Definition {
	t.Helper()
	d, err := asl.Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func nameAndType(s *asl.State) []string { return []string{s.Name, s.Type} }

func layoutOf(t testing.TB, def string) (*asl.Definition, *graph) {
	t.Helper()
	d := parseDef(t, def)
	return d, layoutDefinition(d, nameAndType)
}

func nodesByID(g *graph) map[string]*node {
	m := map[string]*node{}
	for _, n := range g.Nodes {
		m[n.ID] = n
	}
	return m
}

func inside(inner, outer *node) bool {
	return inner.X >= outer.X && inner.Y >= outer.Y && inner.X+inner.W <= outer.X+outer.W && inner.Y+inner.H <= outer.Y+outer.H
}

func overlap(a, b *node) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// onBorder reports whether p lies on the outline of n.
func onBorder(p point, n *node) bool {
	const eps = 0.01
	inX := p.X >= n.X-eps && p.X <= n.X+n.W+eps
	inY := p.Y >= n.Y-eps && p.Y <= n.Y+n.H+eps
	return (inX && (math.Abs(p.Y-n.Y) < eps || math.Abs(p.Y-n.Y-n.H) < eps)) ||
		(inY && (math.Abs(p.X-n.X) < eps || math.Abs(p.X-n.X-n.W) < eps))
}

var layoutCases = []struct {
	name, def string
}{
	{"the payments workflow", paymentsDef},
	{"the recovery workflow, with a Map loop and a Parallel state", recoveryDef},
}

func TestLayoutDrawsEveryStateOnceInsideTheGraph(t *testing.T) {
	for _, tc := range layoutCases {
		t.Run(tc.name, func(t *testing.T) {
			d, g := layoutOf(t, tc.def)
			seen := map[string]int{}
			for _, n := range g.Nodes {
				seen[n.ID]++
				if n.X < 0 || n.Y < 0 || n.X+n.W > g.Width || n.Y+n.H > g.Height {
					t.Errorf("%q at (%.0f,%.0f) %.0fx%.0f lies outside the %.0fx%.0f graph", n.ID, n.X, n.Y, n.W, n.H, g.Width, g.Height)
				}
			}
			d.Walk(func(s *asl.State) {
				if seen[s.Name] != 1 {
					t.Errorf("state %q is drawn %d times, want once", s.Name, seen[s.Name])
				}
			})
			if seen[startID] != 1 {
				t.Error("the graph has no Start marker")
			}
		})
	}
}

func TestLayoutKeepsBoxesApartAndContentsInsideTheirContainer(t *testing.T) {
	for _, tc := range layoutCases {
		t.Run(tc.name, func(t *testing.T) {
			d, g := layoutOf(t, tc.def)
			byID := nodesByID(g)
			// parent maps a nested state to the Map or Parallel state
			// that holds it.
			parent := map[string]string{}
			d.Walk(func(s *asl.State) {
				if s.Parent.Parent != nil {
					parent[s.Name] = s.Parent.Parent.Name
				}
			})
			for name, p := range parent {
				if !inside(byID[name], byID[p]) {
					t.Errorf("%q is drawn outside its container %q", name, p)
				}
			}
			nested := func(a, b string) bool {
				for x := parent[a]; x != ""; x = parent[x] {
					if x == b {
						return true
					}
				}
				return false
			}
			for i, a := range g.Nodes {
				for _, b := range g.Nodes[i+1:] {
					if nested(a.ID, b.ID) || nested(b.ID, a.ID) {
						continue
					}
					if overlap(a, b) {
						t.Errorf("%q and %q overlap", a.ID, b.ID)
					}
				}
			}
		})
	}
}

func TestLayoutRoutesEdgesFromBoxToBox(t *testing.T) {
	for _, tc := range layoutCases {
		t.Run(tc.name, func(t *testing.T) {
			_, g := layoutOf(t, tc.def)
			byID := nodesByID(g)
			for _, e := range g.Edges {
				if len(e.Points) < 2 {
					t.Errorf("%q -> %q has %d points", e.From, e.To, len(e.Points))
					continue
				}
				first, last := e.Points[0], e.Points[len(e.Points)-1]
				if !onBorder(first, byID[e.From]) || !onBorder(last, byID[e.To]) {
					t.Errorf("%q -> %q runs from %v to %v, not from border to border", e.From, e.To, first, last)
				}
				if down := last.Y > first.Y; down == e.Back {
					t.Errorf("%q -> %q (back %v) runs from y=%.0f to y=%.0f", e.From, e.To, e.Back, first.Y, last.Y)
				}
			}
		})
	}
}

func TestLayoutTurnsOnlyLoopsIntoBackEdges(t *testing.T) {
	for _, tc := range []struct {
		name, def string
		back      []string
	}{
		{"the payments workflow has no loop", paymentsDef, nil},
		{"the recovery workflow loops from CountPoll to WaitForMove", recoveryDef, []string{"CountPoll -> WaitForMove"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, g := layoutOf(t, tc.def)
			var back []string
			for _, e := range g.Edges {
				if e.Back {
					back = append(back, e.From+" -> "+e.To)
				}
			}
			if len(back) != len(tc.back) || (len(back) > 0 && back[0] != tc.back[0]) {
				t.Errorf("back edges %v, want %v", back, tc.back)
			}
		})
	}
}

func TestLayoutDrawsTheMainPathTopDown(t *testing.T) {
	_, g := layoutOf(t, paymentsDef)
	byID := nodesByID(g)
	path := []string{startID, "Validate", "Persist", "EnqueueOnFailure", "Queued"}
	for i := 1; i < len(path); i++ {
		a, b := byID[path[i-1]], byID[path[i]]
		if a.Y+a.H >= b.Y {
			t.Errorf("%q (bottom %.0f) is not above %q (top %.0f)", a.ID, a.Y+a.H, b.ID, b.Y)
		}
	}
	// A Catch target sits in the layer after the state that catches.
	if v, inv := byID["Validate"], byID["InvalidRequest"]; inv.Y <= v.Y+v.H {
		t.Errorf("InvalidRequest (top %.0f) is not below Validate", inv.Y)
	}
}

func TestLayoutLabelsChoiceRulesAndMergesNothingElse(t *testing.T) {
	_, g := layoutOf(t, recoveryDef)
	labels := map[string]string{}
	for _, e := range g.Edges {
		labels[e.From+" -> "+e.To+" "+e.Kind] = e.Label
	}
	for k, want := range map[string]string{
		"Evaluate health -> Redrive choice":     "rule 1",
		"Evaluate health -> NothingToDo choice": "Default",
		"Notify -> RecoveryFailed catch":        "States.ALL",
		"Notify -> Redriven next":               "",
	} {
		got, ok := labels[k]
		if !ok || got != want {
			t.Errorf("edge %s: label %q (present %v), want %q", k, got, ok, want)
		}
	}
}

func TestLayoutOrdersLayersWithoutNeedlessCrossings(t *testing.T) {
	// In discovery order the last layer is D, F, E, and C -> D crosses
	// B -> F; the barycenter sweep puts F first.
	choice := func(rule, dflt string) string {
		return `{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"` + rule + `"}],"Default":"` + dflt + `"}`
	}
	def := `{"StartAt":"A","States":{"A":` + choice("B", "C") + `,"B":` + choice("D", "F") + `,"C":` + choice("D", "E") +
		`,"D":{"Type":"Succeed"},"E":{"Type":"Succeed"},"F":{"Type":"Succeed"}}}`
	_, g := layoutOf(t, def)
	x := map[string]float64{}
	for _, n := range g.Nodes {
		x[n.ID] = n.X
	}
	if !(x["B"] < x["C"] && x["F"] < x["D"] && x["D"] < x["E"]) {
		t.Errorf("order B %.0f C %.0f, F %.0f D %.0f E %.0f; want B before C and F, D, E in that order", x["B"], x["C"], x["F"], x["D"], x["E"])
	}
}

func TestLayoutIsTheSameEveryTime(t *testing.T) {
	_, first := layoutOf(t, recoveryDef)
	for range 5 {
		if _, g := layoutOf(t, recoveryDef); g.String() != first.String() {
			t.Fatalf("layouts differ:\n%s\n%s", first, g)
		}
	}
}

func TestLayoutSizesBoxesToTheirText(t *testing.T) {
	d := parseDef(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	long := "⚠ caught Payment.SomethingWithAVeryLongErrorNameIndeed"
	g := layoutDefinition(d, func(s *asl.State) []string { return []string{s.Name, s.Type, long} })
	n := nodesByID(g)["A"]
	if min := float64(len([]rune(long))) * lineCharWidth; n.W < min {
		t.Errorf("box width %.0f for a %d-character line, want at least %.0f", n.W, len([]rune(long)), min)
	}
	if n.H != 2*boxPadY+3*lineHeight {
		t.Errorf("box height %.0f for three lines, want %.0f", n.H, 2*boxPadY+3*lineHeight)
	}
}

func TestEdgePathIsCurvedBetweenLayersAndStraightThroughBends(t *testing.T) {
	e := &edge{Points: []point{{10, 0}, {50, 40}, {50, 90}, {20, 130}}}
	want := "M10,0 C10,20 50,20 50,40 L50,90 C50,110 20,110 20,130"
	if got := e.D(); got != want {
		t.Errorf("D() = %q, want %q", got, want)
	}
}

// FuzzLayout lays out whatever asl.Parse accepts: the layout must not
// panic, loop, or place a box at a coordinate that is not a number.
func FuzzLayout(f *testing.F) {
	for _, s := range []string{paymentsDef, recoveryDef,
		`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}`,
		`{"StartAt":"A","States":{"A":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}},"Next":"Z"}}}`,
		`{"States":{"A":{"Type":"Parallel","Branches":[{},{"States":{"B":{"Next":"B"}}}]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := asl.Parse(data)
		if err != nil {
			return
		}
		g := layoutDefinition(d, nameAndType)
		for _, n := range g.Nodes {
			for _, v := range []float64{n.X, n.Y, n.W, n.H} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("node %q has coordinate %v", n.ID, v)
				}
			}
		}
		if math.IsNaN(g.Width) || math.IsNaN(g.Height) {
			t.Fatalf("graph size %vx%v", g.Width, g.Height)
		}
	})
}

// samples returns points along the edge as D draws it.
func samples(e *edge) []point {
	var out []point
	for i := 1; i < len(e.Points); i++ {
		a, b := e.Points[i-1], e.Points[i]
		my := (a.Y + b.Y) / 2
		for k := 1; k < 20; k++ {
			t := float64(k) / 20
			if a.X == b.X || a.Y == b.Y {
				out = append(out, point{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t})
				continue
			}
			u := 1 - t
			out = append(out, point{
				X: u*u*u*a.X + 3*u*u*t*a.X + 3*u*t*t*b.X + t*t*t*b.X,
				Y: u*u*u*a.Y + 3*u*u*t*my + 3*u*t*t*my + t*t*t*b.Y,
			})
		}
	}
	return out
}

func TestLayoutRoutesEdgesAroundOtherBoxes(t *testing.T) {
	for _, tc := range layoutCases {
		t.Run(tc.name, func(t *testing.T) {
			d, g := layoutOf(t, tc.def)
			// An edge may cross the containers that hold its ends.
			holds := map[string]map[string]bool{}
			d.Walk(func(s *asl.State) {
				holds[s.Name] = map[string]bool{}
				for p := s.Parent.Parent; p != nil; p = p.Parent.Parent {
					holds[s.Name][p.Name] = true
				}
			})
			const slack = 2.0 // a curve may graze a corner
			for _, e := range g.Edges {
				for _, n := range g.Nodes {
					if n.ID == e.From || n.ID == e.To || holds[e.From][n.ID] || holds[e.To][n.ID] {
						continue
					}
					for _, p := range samples(e) {
						if p.X > n.X+slack && p.X < n.X+n.W-slack && p.Y > n.Y+slack && p.Y < n.Y+n.H-slack {
							t.Errorf("%q -> %q crosses %q at (%.0f,%.0f)", e.From, e.To, n.ID, p.X, p.Y)
							break
						}
					}
				}
			}
		})
	}
}

// box is a rectangle: top left and size.
type box struct{ X, Y, W, H float64 }

func (a box) overlaps(b box) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// textBox is where an edge label's text is drawn: it starts at LabelAt
// (x, baseline) in the 11 px font, taken labels in bold.
func textBox(e *edge) box {
	p := e.LabelAt()
	return box{X: p.X, Y: p.Y - labelAscent, W: float64(len([]rune(e.Label))) * labelCharWidth, H: labelAscent + labelDescent}
}

func TestLayoutKeepsEveryEdgeLabelClearOfTheOthersAndOfTheBoxes(t *testing.T) {
	// GIVEN a Choice with several rules (the payments workflow's
	// "Persisted?" has rule 1, rule 2 and Default) and Catches, WHEN the
	// layout places the edge labels, THEN no two label boxes overlap and
	// none covers a state's box.
	fanOut := `{"StartAt":"Pick","States":{
	  "Pick":{"Type":"Choice","Choices":[
	    {"Variable":"$.a","NumericEquals":1,"Next":"A"},
	    {"Variable":"$.a","NumericEquals":2,"Next":"B"},
	    {"Variable":"$.a","NumericEquals":3,"Next":"A"},
	    {"Variable":"$.a","NumericEquals":4,"Next":"C"}],"Default":"D"},
	  "A":{"Type":"Succeed"},"B":{"Type":"Succeed"},"C":{"Type":"Succeed"},"D":{"Type":"Fail"}}}`
	cases := append(layoutCases[:len(layoutCases):len(layoutCases)], struct{ name, def string }{"a Choice with four rules to three states and a Default", fanOut})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, g := layoutOf(t, tc.def)
			var labelled []*edge
			for _, e := range g.Edges {
				if e.Label != "" {
					labelled = append(labelled, e)
				}
			}
			if len(labelled) == 0 {
				t.Fatal("no labelled edge: the case tests nothing")
			}
			for i, a := range labelled {
				for _, b := range labelled[i+1:] {
					if textBox(a).overlaps(textBox(b)) {
						t.Errorf("label %q of %s -> %s at %+v overlaps label %q of %s -> %s at %+v",
							a.Label, a.From, a.To, textBox(a), b.Label, b.From, b.To, textBox(b))
					}
				}
				for _, n := range g.Nodes {
					if n.Container || n.dummy {
						continue
					}
					if nb := (box{n.X, n.Y, n.W, n.H}); textBox(a).overlaps(nb) {
						t.Errorf("label %q of %s -> %s at %+v covers state %q at %+v", a.Label, a.From, a.To, textBox(a), n.ID, nb)
					}
				}
			}
		})
	}
}
