package asllint

import (
	"fmt"
	"strings"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// Mermaid draws a definition as a Mermaid flowchart: Next, Default and
// Choice edges as solid arrows, Catch edges dashed and labelled with their
// error names, retries as a self-loop labelled with the retried error names
// and MaxAttempts, and Parallel branches and Map ItemProcessors as
// subgraphs. Output is deterministic (document order).
func Mermaid(def *asl.Definition) string {
	m := &mermaid{ids: map[*asl.State]string{}}
	m.line("flowchart TD")
	m.line("  start_([Start])")
	m.definition(def, "  ")
	if s, ok := def.States[def.StartAt]; ok {
		m.line("  start_ --> " + m.id(s))
	}
	m.b.WriteString(m.edges.String())
	return m.b.String()
}

type mermaid struct {
	b, edges strings.Builder
	ids      map[*asl.State]string
	n        int
	ends     int
}

func (m *mermaid) line(s string) { m.b.WriteString(s + "\n") }

func (m *mermaid) edge(s string) { m.edges.WriteString("  " + s + "\n") }

func (m *mermaid) id(s *asl.State) string {
	if id, ok := m.ids[s]; ok {
		return id
	}
	id := fmt.Sprintf("s%d", m.n)
	m.n++
	m.ids[s] = id
	return id
}

// label escapes text for a quoted Mermaid label.
func label(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "\n", " ")
	return `"` + r.Replace(s) + `"`
}

func (m *mermaid) definition(d *asl.Definition, indent string) {
	for _, name := range d.Order {
		s := d.States[name]
		id := m.id(s)
		text := label(s.Name + " (" + s.Type + ")")
		switch s.Type {
		case asl.TypeChoice:
			m.line(indent + id + "{" + text + "}")
		case asl.TypeSucceed, asl.TypeFail:
			m.line(indent + id + "([" + text + "])")
		case asl.TypeParallel, asl.TypeMap:
			m.line(indent + id + "[[" + text + "]]")
		default:
			m.line(indent + id + "[" + text + "]")
		}
		for i, br := range s.Branches {
			m.sub(s, br, fmt.Sprintf("branch %d", i+1), indent)
		}
		if s.ItemProcessor != nil {
			m.sub(s, s.ItemProcessor, "each item", indent)
		}
	}
	for _, name := range d.Order {
		m.stateEdges(d.States[name])
	}
}

func (m *mermaid) sub(owner *asl.State, d *asl.Definition, title, indent string) {
	sid := fmt.Sprintf("%s_%d", m.id(owner), m.ends)
	m.ends++
	m.line(indent + "subgraph " + sid + " [" + label(owner.Name+": "+title) + "]")
	m.definition(d, indent+"  ")
	m.line(indent + "end")
	if s, ok := d.States[d.StartAt]; ok {
		m.edge(m.id(owner) + " -.-> " + m.id(s))
	}
}

func (m *mermaid) target(s *asl.State, name string) (string, bool) {
	t, ok := s.Parent.States[name]
	if !ok {
		return "", false
	}
	return m.id(t), true
}

func (m *mermaid) stateEdges(s *asl.State) {
	id := m.id(s)
	if t, ok := m.target(s, s.Next); ok {
		m.edge(id + " --> " + t)
	}
	for i, c := range s.Choices {
		if t, ok := m.target(s, c.Next); ok {
			m.edge(fmt.Sprintf("%s -->|%s| %s", id, label(fmt.Sprintf("rule %d", i+1)), t))
		}
	}
	if t, ok := m.target(s, s.Default); ok {
		m.edge(id + " -->|" + label("default") + "| " + t)
	}
	for _, r := range s.Retry {
		m.edge(fmt.Sprintf("%s -->|%s| %s", id, label(fmt.Sprintf("retry %s x%g", strings.Join(r.ErrorEquals, ", "), r.Attempts())), id))
	}
	for _, c := range s.Catch {
		if t, ok := m.target(s, c.Next); ok {
			m.edge(fmt.Sprintf("%s -.->|%s| %s", id, label(strings.Join(c.ErrorEquals, ", ")), t))
		}
	}
	if s.End && s.Type != asl.TypeSucceed && s.Type != asl.TypeFail {
		end := fmt.Sprintf("end%d_((End))", m.ends)
		m.ends++
		m.edge(id + " --> " + end)
	}
}
