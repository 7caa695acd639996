package console

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// The workflow graph is drawn top to bottom in layers, the way the Step
// Functions console draws it: a Sugiyama-style layout small enough to read.
//
//  1. Edges that close a loop (found by a depth-first walk from the start)
//     are reversed, so the rest is acyclic.
//  2. Each state's layer is its longest distance from the start.
//  3. Edges that span several layers get a bend point (a dummy node) in
//     every layer they cross, so they are routed around boxes.
//  4. Each layer's order is improved by barycenter sweeps, keeping the
//     order with the fewest crossings.
//  5. Boxes are moved towards the mean position of their neighbours.
//
// Parallel and Map states are containers: their branches (or the Map's
// item processor) are laid out the same way and drawn inside the box.

// Sizes in SVG pixels. Text widths are estimated from the number of
// characters, generously, for the page's sans-serif font.
const (
	titleCharWidth = 8.4 // 14 px bold
	lineCharWidth  = 7.9 // 12.5 px, some of it bold
	lineHeight     = 18.0
	boxPadX        = 14.0
	boxPadY        = 10.0
	minBoxWidth    = 120.0
	pseudoWidth    = 64.0
	pseudoHeight   = 30.0
	nodeGap        = 36.0 // between boxes of a layer
	dummyWidth     = 4.0
	dummyGap       = 14.0
	layerGap       = 54.0 // between layers
	containerPad   = 16.0
	containerHead  = 2*boxPadY + 2*lineHeight
	branchGap      = 20.0
	graphMargin    = 16.0
	// Edge labels are 11 px text (console.css .edge-label), bold when
	// the edge was taken: the box a label's text covers from its
	// baseline.
	labelCharWidth = 7.0
	labelAscent    = 11.0
	labelDescent   = 3.0
)

// point is a position in the SVG, in pixels.
type point struct{ X, Y float64 }

// graph is a laid-out workflow: boxes and edges in absolute coordinates,
// ready to draw. Containers come before the states inside them.
type graph struct {
	Width, Height float64
	Nodes         []*node
	Edges         []*edge
	// Frames outline the branches of Parallel states.
	Frames []frame
}

// node is a box: a state, or the Start marker.
type node struct {
	ID    string // the state name, or startID
	Type  string // the state's Type; "" for Start
	Lines []string
	X, Y  float64 // top left
	W, H  float64
	// Container is set for Parallel and Map states drawn with their
	// branches inside.
	Container bool

	// Layout bookkeeping.
	layer, order int
	dummy        bool
	inner        []*graph
	preds, succs []*node
	discovered   int
	layerBottom  float64
}

// IsPseudo reports whether the node is the Start marker.
func (n *node) IsPseudo() bool { return n.ID == startID }

func (n *node) centerX() float64 { return n.X + n.W/2 }

// edge is a transition between two nodes.
type edge struct {
	From, To string
	// Kind is "next", "choice", "catch" or "start": Catch edges are
	// dashed.
	Kind  string
	Label string
	// Points is the route, from the source's border to the target's.
	Points []point
	// Back marks an edge that closes a loop (drawn upwards).
	Back bool

	labelAt point

	from, to *node
	chain    []*node // from, dummies..., to, in layout direction
}

// frame is the outline of one branch of a Parallel state.
type frame struct {
	X, Y, W, H float64
	Label      string
}

// D is the SVG path of the edge: straight through its bend points,
// curved between layers.
func (e *edge) D() string {
	if len(e.Points) == 0 {
		return ""
	}
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
	b.WriteString("M" + f(e.Points[0].X) + "," + f(e.Points[0].Y))
	for i := 1; i < len(e.Points); i++ {
		a, p := e.Points[i-1], e.Points[i]
		if a.X == p.X || a.Y == p.Y {
			b.WriteString(" L" + f(p.X) + "," + f(p.Y))
			continue
		}
		my := (a.Y + p.Y) / 2
		b.WriteString(" C" + f(a.X) + "," + f(my) + " " + f(p.X) + "," + f(my) + " " + f(p.X) + "," + f(p.Y))
	}
	return b.String()
}

// LabelAt is where the edge's label starts (its left end, on the text's
// baseline), as placeLabels chose it.
func (e *edge) LabelAt() point { return e.labelAt }

// labelBox is the rectangle a label's text covers when it starts at p.
func labelBox(label string, p point) rect {
	return rect{X: p.X, Y: p.Y - labelAscent, W: float64(len([]rune(label))) * labelCharWidth, H: labelAscent + labelDescent}
}

// rect is an axis-aligned rectangle: top left and size.
type rect struct{ X, Y, W, H float64 }

func (a rect) overlaps(b rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// labelFractions are where along the first leg of its edge a label may
// sit, from the top of the leg to its bottom, in order of preference: the
// middle first.
var labelFractions = []float64{0.5, 0.3, 0.7, 0.15, 0.85}

// placeLabels gives every labelled edge a label position where its text
// covers no state and no label placed before it. Several edges leave a
// Choice (its rules and Default) or a Task (its Catches) close together,
// so the middles of their first legs are often closer than a label is
// wide: each label tries points along its own first leg, right of the
// line and then left of it, and the first free one wins. Choice and Next
// labels are placed before Catch labels, which the page shows only on the
// Catch taken.
func placeLabels(g *graph) {
	var obstacles []rect
	for _, n := range g.Nodes {
		if !n.Container && !n.dummy {
			obstacles = append(obstacles, rect{n.X, n.Y, n.W, n.H})
		}
	}
	free := func(r rect) bool {
		if r.X < 0 || r.X+r.W > g.Width || r.Y < 0 || r.Y+r.H > g.Height {
			return false
		}
		for _, o := range obstacles {
			if r.overlaps(o) {
				return false
			}
		}
		return true
	}
	var labelled []*edge
	for _, e := range g.Edges {
		if e.Label != "" && len(e.Points) >= 2 {
			labelled = append(labelled, e)
		}
	}
	sort.SliceStable(labelled, func(i, j int) bool {
		return labelled[i].Kind != "catch" && labelled[j].Kind == "catch"
	})
	for _, e := range labelled {
		w := labelBox(e.Label, point{}).W
		a, p := e.Points[0], e.Points[1]
		var candidates []point
		for _, f := range labelFractions {
			y := a.Y + (p.Y-a.Y)*f
			x := legX(a, p, y)
			baseline := y + labelAscent/2
			candidates = append(candidates, point{x + 6, baseline}, point{x - 6 - w, baseline})
		}
		chosen := candidates[0]
		found := false
		for _, c := range candidates {
			if free(labelBox(e.Label, c)) {
				chosen, found = c, true
				break
			}
		}
		// No free point on the leg (a crowded layer): below the
		// preferred point, one line at a time.
		for step := 1; !found && step <= 20; step++ {
			c := point{candidates[0].X, candidates[0].Y + float64(step)*(labelAscent+labelDescent)}
			if free(labelBox(e.Label, c)) {
				chosen, found = c, true
			}
		}
		e.labelAt = chosen
		obstacles = append(obstacles, labelBox(e.Label, chosen))
	}
}

// legX is the x where the first leg of an edge, from a to p, passes at
// height y: a straight line, or the curve D draws between two layers
// (control points at the middle height), whose y grows with its parameter.
func legX(a, p point, y float64) float64 {
	switch {
	case a.X == p.X:
		return a.X
	case a.Y == p.Y:
		return (a.X + p.X) / 2
	}
	my := (a.Y + p.Y) / 2
	bez := func(t, p0, p1, p2, p3 float64) float64 {
		u := 1 - t
		return u*u*u*p0 + 3*u*u*t*p1 + 3*u*t*t*p2 + t*t*t*p3
	}
	lo, hi := 0.0, 1.0
	up := p.Y < a.Y
	for range 40 {
		t := (lo + hi) / 2
		if by := bez(t, a.Y, my, my, p.Y); (by < y) != up {
			lo = t
		} else {
			hi = t
		}
	}
	return bez((lo+hi)/2, a.X, a.X, p.X, p.X)
}

// labeller gives the text lines of a state's box: its name first.
type labeller func(*asl.State) []string

// layoutDefinition lays out a state machine: the top level has a Start
// marker, branches and item processors do not. Terminal states need no
// End marker: their type (Succeed, Fail) or an End: true says it, and the
// arrows into a shared End box would cross the whole graph.
func layoutDefinition(d *asl.Definition, label labeller) *graph {
	g := layoutLevel(d, true, label)
	placeLabels(g)
	return g
}

func layoutLevel(d *asl.Definition, top bool, label labeller) *graph {
	var nodes []*node
	byID := map[string]*node{}
	add := func(n *node) *node {
		nodes = append(nodes, n)
		byID[n.ID] = n
		return n
	}
	if top {
		add(&node{ID: startID, W: pseudoWidth, H: pseudoHeight})
	}
	for _, name := range d.Order {
		s := d.States[name]
		n := &node{ID: name, Type: s.Type, Lines: label(s)}
		var subs []*asl.Definition
		switch {
		case s.Type == asl.TypeParallel:
			subs = s.Branches
		case s.Type == asl.TypeMap && s.ItemProcessor != nil:
			subs = []*asl.Definition{s.ItemProcessor}
		}
		for _, sub := range subs {
			n.inner = append(n.inner, layoutLevel(sub, false, label))
		}
		sizeNode(n)
		add(n)
	}
	edges := buildEdges(d, top, byID)
	return place(nodes, edges)
}

// sizeNode sets a box's size from its text, or from its contents for a
// container.
func sizeNode(n *node) {
	w := minBoxWidth
	for i, l := range n.Lines {
		cw := lineCharWidth
		if i == 0 {
			cw = titleCharWidth
		}
		w = max(w, float64(len([]rune(l)))*cw+2*boxPadX)
	}
	n.W, n.H = w, 2*boxPadY+lineHeight*float64(len(n.Lines))
	if len(n.inner) == 0 {
		return
	}
	n.Container = true
	inner, innerH := 0.0, 0.0
	for i, g := range n.inner {
		if i > 0 {
			inner += branchGap
		}
		inner += g.Width
		innerH = max(innerH, g.Height)
	}
	n.W = max(n.W, inner+2*containerPad)
	n.H = max(n.H, containerHead) + innerH + containerPad
}

// buildEdges lists a definition's transitions, merging those between the
// same two states (two Choice rules to one state are one arrow).
func buildEdges(d *asl.Definition, top bool, byID map[string]*node) []*edge {
	var edges []*edge
	index := map[edgeKey]*edge{}
	add := func(from, to, kind, label string) {
		f, t := byID[from], byID[to]
		if f == nil || t == nil {
			return // a dangling name: the linter reports it
		}
		k := edgeKey{From: from, To: to, Catch: kind == "catch"}
		if e, ok := index[k]; ok {
			if label != "" && !strings.Contains(e.Label, label) {
				e.Label = strings.TrimPrefix(e.Label+", "+label, ", ")
			}
			return
		}
		e := &edge{From: from, To: to, Kind: kind, Label: label, from: f, to: t}
		index[k] = e
		edges = append(edges, e)
	}
	if top {
		add(startID, d.StartAt, "start", "")
	}
	for _, name := range d.Order {
		s := d.States[name]
		add(name, s.Next, "next", "")
		for i, c := range s.Choices {
			add(name, c.Next, "choice", "rule "+strconv.Itoa(i+1))
		}
		add(name, s.Default, "choice", "Default")
		for _, c := range s.Catch {
			add(name, c.Next, "catch", strings.Join(c.ErrorEquals, ", "))
		}
	}
	return edges
}

// place runs the layered layout on one level and returns it with its
// containers' contents placed inside them.
func place(nodes []*node, edges []*edge) *graph {
	breakCycles(nodes, edges)
	layers := assignLayers(nodes, edges)
	layers = insertDummies(layers, edges)
	orderLayers(layers)
	assignX(layers)
	height := assignY(layers)
	route(layers, edges)

	g := &graph{Height: height}
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, l := range layers {
		for _, n := range l {
			minX, maxX = min(minX, n.X), max(maxX, n.X+n.W)
		}
	}
	if len(nodes) == 0 {
		minX, maxX = 0, 0
	}
	// Back edges run beside the boxes; leave them room.
	for _, e := range edges {
		for _, p := range e.Points {
			minX, maxX = min(minX, p.X), max(maxX, p.X)
		}
	}
	shift := graphMargin - minX
	g.Width = maxX - minX + 2*graphMargin
	for _, n := range nodes {
		n.X += shift
	}
	for _, e := range edges {
		for i := range e.Points {
			e.Points[i].X += shift
		}
	}
	g.Height += 2 * graphMargin
	for _, n := range nodes {
		n.Y += graphMargin
	}
	for _, e := range edges {
		for i := range e.Points {
			e.Points[i].Y += graphMargin
		}
	}
	// Containers come before their contents, which draw over them.
	g.Nodes = append(g.Nodes, nodes...)
	g.Edges = edges
	for _, n := range nodes {
		if n.Container {
			g.embed(n)
		}
	}
	return g
}

// embed moves a container's inner layouts into place inside it and adds
// their boxes and edges to g.
func (g *graph) embed(n *node) {
	inner := 0.0
	for i, sub := range n.inner {
		if i > 0 {
			inner += branchGap
		}
		inner += sub.Width
	}
	x := n.X + (n.W-inner)/2
	y := n.Y + containerHead
	for i, sub := range n.inner {
		if len(n.inner) > 1 {
			g.Frames = append(g.Frames, frame{X: x, Y: y, W: sub.Width, H: sub.Height, Label: "Branch " + strconv.Itoa(i+1)})
		}
		for _, c := range sub.Nodes {
			c.X += x
			c.Y += y
			g.Nodes = append(g.Nodes, c)
		}
		for _, e := range sub.Edges {
			for j := range e.Points {
				e.Points[j].X += x
				e.Points[j].Y += y
			}
			g.Edges = append(g.Edges, e)
		}
		for _, f := range sub.Frames {
			f.X, f.Y = f.X+x, f.Y+y
			g.Frames = append(g.Frames, f)
		}
		x += sub.Width + branchGap
	}
}

// breakCycles marks the edges that close a loop, found by a depth-first
// walk in document order (the start first), as back edges.
func breakCycles(nodes []*node, edges []*edge) {
	out := map[*node][]*edge{}
	for _, e := range edges {
		out[e.from] = append(out[e.from], e)
	}
	const (
		unseen = iota
		onStack
		done
	)
	state := map[*node]int{}
	seq := 0
	var visit func(n *node)
	visit = func(n *node) {
		state[n] = onStack
		n.discovered = seq
		seq++
		for _, e := range out[n] {
			switch state[e.to] {
			case onStack:
				e.Back = true
			case unseen:
				visit(e.to)
			}
		}
		state[n] = done
	}
	for _, n := range nodes {
		if state[n] == unseen {
			visit(n)
		}
	}
}

// assignLayers puts every node at its longest distance from a source,
// following edges forward (back edges reversed).
func assignLayers(nodes []*node, edges []*edge) [][]*node {
	in := map[*node]int{}
	out := map[*node][]*node{}
	for _, e := range edges {
		f, t := e.from, e.to
		if e.Back {
			f, t = t, f
		}
		if f == t {
			continue // a state that moves to itself: no layer constraint
		}
		out[f] = append(out[f], t)
		in[t]++
	}
	queue := []*node{}
	for _, n := range nodes {
		n.layer = 0
		if in[n] == 0 {
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, t := range out[n] {
			t.layer = max(t.layer, n.layer+1)
			if in[t]--; in[t] == 0 {
				queue = append(queue, t)
			}
		}
	}
	depth := 0
	for _, n := range nodes {
		depth = max(depth, n.layer)
	}
	layers := make([][]*node, depth+1)
	for _, n := range nodes {
		layers[n.layer] = append(layers[n.layer], n)
	}
	return layers
}

// insertDummies gives every edge its chain of nodes, one per layer, with
// a bend point in each layer it crosses.
func insertDummies(layers [][]*node, edges []*edge) [][]*node {
	for _, e := range edges {
		f, t := e.from, e.to
		if e.Back {
			f, t = t, f
		}
		e.chain = []*node{f}
		if f == t {
			continue
		}
		for l := f.layer + 1; l < t.layer; l++ {
			d := &node{dummy: true, layer: l, W: dummyWidth, discovered: f.discovered}
			layers[l] = append(layers[l], d)
			e.chain = append(e.chain, d)
		}
		e.chain = append(e.chain, t)
		for i := 1; i < len(e.chain); i++ {
			a, b := e.chain[i-1], e.chain[i]
			a.succs = append(a.succs, b)
			b.preds = append(b.preds, a)
		}
	}
	return layers
}

// orderLayers orders each layer by barycenter sweeps, starting from the
// depth-first discovery order, and keeps the order with fewest crossings.
func orderLayers(layers [][]*node) {
	for _, l := range layers {
		sort.SliceStable(l, func(i, j int) bool { return l[i].discovered < l[j].discovered })
		renumber(l)
	}
	best := snapshot(layers)
	bestCross := crossings(layers)
	for iter := 0; iter < 8 && bestCross > 0; iter++ {
		if iter%2 == 0 {
			for i := 1; i < len(layers); i++ {
				sortByBarycenter(layers[i], func(n *node) []*node { return n.preds })
			}
		} else {
			for i := len(layers) - 2; i >= 0; i-- {
				sortByBarycenter(layers[i], func(n *node) []*node { return n.succs })
			}
		}
		if c := crossings(layers); c < bestCross {
			best, bestCross = snapshot(layers), c
		}
	}
	for i := range layers {
		copy(layers[i], best[i])
		renumber(layers[i])
	}
}

func renumber(l []*node) {
	for i, n := range l {
		n.order = i
	}
}

func snapshot(layers [][]*node) [][]*node {
	out := make([][]*node, len(layers))
	for i, l := range layers {
		out[i] = append([]*node(nil), l...)
	}
	return out
}

func sortByBarycenter(l []*node, neighbours func(*node) []*node) {
	key := map[*node]float64{}
	for _, n := range l {
		ns := neighbours(n)
		if len(ns) == 0 {
			key[n] = float64(n.order)
			continue
		}
		sum := 0.0
		for _, m := range ns {
			sum += float64(m.order)
		}
		key[n] = sum / float64(len(ns))
	}
	sort.SliceStable(l, func(i, j int) bool { return key[l[i]] < key[l[j]] })
	renumber(l)
}

// crossings counts pairs of edges between adjacent layers that cross.
func crossings(layers [][]*node) int {
	total := 0
	for i := 0; i+1 < len(layers); i++ {
		type seg struct{ a, b int }
		var segs []seg
		for _, n := range layers[i] {
			for _, m := range n.succs {
				if m.layer == i+1 {
					segs = append(segs, seg{n.order, m.order})
				}
			}
		}
		for x := range segs {
			for y := x + 1; y < len(segs); y++ {
				s, t := segs[x], segs[y]
				if (s.a < t.a && s.b > t.b) || (s.a > t.a && s.b < t.b) {
					total++
				}
			}
		}
	}
	return total
}

func gapBetween(a, b *node) float64 {
	if a.dummy || b.dummy {
		return dummyGap
	}
	return nodeGap
}

// assignX packs each layer, then moves boxes towards the mean centre of
// their neighbours in the layer above (down sweeps) or below (up sweeps),
// keeping the order and the gaps.
func assignX(layers [][]*node) {
	for _, l := range layers {
		x := 0.0
		for i, n := range l {
			if i > 0 {
				x += gapBetween(l[i-1], n)
			}
			n.X = x
			x += n.W
		}
	}
	for iter := 0; iter < 6; iter++ {
		if iter%2 == 0 {
			for i := 1; i < len(layers); i++ {
				settle(layers[i], func(n *node) []*node { return n.preds })
			}
		} else {
			for i := len(layers) - 2; i >= 0; i-- {
				settle(layers[i], func(n *node) []*node { return n.succs })
			}
		}
	}
	// A last down sweep, so that a box sits under the one it follows.
	for i := 1; i < len(layers); i++ {
		settle(layers[i], func(n *node) []*node { return n.preds })
	}
}

// settle places a layer's boxes as near as the order allows to where
// their neighbours want them, without net drift to one side.
func settle(l []*node, neighbours func(*node) []*node) {
	if len(l) == 0 {
		return
	}
	want := make([]float64, len(l))
	for i, n := range l {
		ns := neighbours(n)
		if len(ns) == 0 {
			want[i] = n.X
			continue
		}
		sum := 0.0
		for _, m := range ns {
			sum += m.centerX()
		}
		want[i] = sum/float64(len(ns)) - n.W/2
	}
	x := make([]float64, len(l))
	for i, n := range l {
		x[i] = want[i]
		if i > 0 {
			x[i] = max(x[i], x[i-1]+l[i-1].W+gapBetween(l[i-1], n))
		}
	}
	// The greedy pass only pushes right: shift the layer back by the mean
	// displacement.
	drift := 0.0
	for i := range l {
		drift += x[i] - want[i]
	}
	drift /= float64(len(l))
	for i, n := range l {
		n.X = x[i] - drift
	}
}

// assignY stacks the layers, boxes at the top of their layer (so that
// edges into a short box beside a tall container arrive at the layer's
// top, not across the container). It returns the total height.
func assignY(layers [][]*node) float64 {
	y := 0.0
	for i, l := range layers {
		if i > 0 {
			y += layerGap
		}
		h := 0.0
		for _, n := range l {
			h = max(h, n.H)
		}
		for _, n := range l {
			if n.dummy {
				n.H = h
			}
			n.Y = y
			n.layerBottom = y + h
		}
		y += h
	}
	return y
}

// route gives every edge its points: out of the bottom of its source,
// through its bend points, into the top of its target. Several edges on
// one side of a box are spread along it, ordered by where they go. Back
// edges are routed like the forward edge they were turned into, then
// reversed.
func route(layers [][]*node, edges []*edge) {
	type port struct {
		e      *edge
		bottom bool
		other  *node
	}
	ports := map[*node][]port{}
	for _, e := range edges {
		if len(e.chain) < 2 {
			continue
		}
		first, last := e.chain[0], e.chain[len(e.chain)-1]
		ports[first] = append(ports[first], port{e, true, e.chain[1]})
		ports[last] = append(ports[last], port{e, false, e.chain[len(e.chain)-2]})
	}
	portX := map[*edge][2]float64{} // [0]: x at the chain's start, [1]: at its end
	for n, ps := range ports {
		for _, bottom := range []bool{true, false} {
			var side []port
			for _, p := range ps {
				if p.bottom == bottom {
					side = append(side, p)
				}
			}
			sort.SliceStable(side, func(i, j int) bool { return side[i].other.centerX() < side[j].other.centerX() })
			for i, p := range side {
				x := n.X + n.W*float64(i+1)/float64(len(side)+1)
				if n.dummy || len(side) == 1 {
					x = n.centerX()
				}
				v := portX[p.e]
				if bottom {
					v[0] = x
				} else {
					v[1] = x
				}
				portX[p.e] = v
			}
		}
	}
	for _, e := range edges {
		if len(e.chain) < 2 {
			// A state that moves to itself: a loop on its right side.
			n := e.from
			r, cy := n.X+n.W, n.Y+n.H/2
			e.Points = []point{{r, cy - 8}, {r + 18, cy - 8}, {r + 18, cy + 8}, {r, cy + 8}}
			continue
		}
		first, last := e.chain[0], e.chain[len(e.chain)-1]
		pts := []point{{portX[e][0], first.Y + first.H}}
		if first.Y+first.H < first.layerBottom {
			// Down the empty rest of the layer first, beside whatever
			// tall box shares it.
			pts = append(pts, point{portX[e][0], first.layerBottom})
		}
		for _, d := range e.chain[1 : len(e.chain)-1] {
			pts = append(pts, point{d.centerX(), d.Y}, point{d.centerX(), d.Y + d.H})
		}
		pts = append(pts, point{portX[e][1], last.Y})
		if e.Back {
			for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
				pts[i], pts[j] = pts[j], pts[i]
			}
		}
		e.Points = pts
	}
}

// String describes the layout compactly, for tests and debugging.
func (g *graph) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %.0fx%.0f\n", g.Width, g.Height)
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "  node %q at (%.0f,%.0f) %.0fx%.0f\n", n.ID, n.X, n.Y, n.W, n.H)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  edge %q -> %q %s back=%v\n", e.From, e.To, e.Kind, e.Back)
	}
	return b.String()
}
