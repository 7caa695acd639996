package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// benchCase is one entry of cases.json: a definition (inline or a file
// under the repository root), an input, and the scripted answers of its
// Task states, by state name, one per call within an execution (the last
// one repeats).
type benchCase struct {
	Name           string              `json:"name"`
	Class          string              `json:"class"`
	Definition     json.RawMessage     `json:"definition"`
	DefinitionFile string              `json:"definitionFile"`
	Input          json.RawMessage     `json:"input"`
	Script         map[string][]answer `json:"script"`
}

// answer is one scripted Task result: Result, or the error Error with
// Cause.
type answer struct {
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Cause  string          `json:"cause"`
}

func loadCases(file, root string) ([]benchCase, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Cases []benchCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i := range doc.Cases {
		c := &doc.Cases[i]
		if c.DefinitionFile != "" {
			if c.Definition, err = os.ReadFile(filepath.Join(root, c.DefinitionFile)); err != nil {
				return nil, err
			}
		}
	}
	return doc.Cases, nil
}

// aslState is the part of a state taskResources reads.
type aslState struct {
	Type          string    `json:"Type"`
	Resource      string    `json:"Resource"`
	Iterator      *aslGraph `json:"Iterator"`
	ItemProcessor *aslGraph `json:"ItemProcessor"`
	Branches      []aslGraph
}

type aslGraph struct {
	States map[string]aslState `json:"States"`
}

// taskResources maps each Task state's name to its Resource, nested
// states included; the Invoker sees resources, the scripts name states.
func taskResources(def []byte) (map[string]string, error) {
	var g aslGraph
	if err := json.Unmarshal(def, &g); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(aslGraph)
	walk = func(g aslGraph) {
		for name, st := range g.States {
			if st.Type == "Task" {
				out[name] = st.Resource
			}
			if st.Iterator != nil {
				walk(*st.Iterator)
			}
			if st.ItemProcessor != nil {
				walk(*st.ItemProcessor)
			}
			for _, b := range st.Branches {
				walk(b)
			}
		}
	}
	walk(g)
	return out, nil
}

// scripted is a case's Invoker: each resource answers its script in turn;
// reset starts a new execution.
type scripted struct {
	byResource map[string]*script
}

type script struct {
	answers []answer
	calls   atomic.Int32
}

func newScripted(c benchCase) (*scripted, error) {
	res, err := taskResources(c.Definition)
	if err != nil {
		return nil, err
	}
	s := &scripted{byResource: map[string]*script{}}
	for state, answers := range c.Script {
		r, ok := res[state]
		if !ok {
			return nil, fmt.Errorf("case %s scripts %q, which is not a Task state", c.Name, state)
		}
		if _, dup := s.byResource[r]; dup {
			return nil, fmt.Errorf("case %s: two scripted Task states share the resource %s", c.Name, r)
		}
		s.byResource[r] = &script{answers: answers}
	}
	return s, nil
}

func (s *scripted) reset() {
	for _, sc := range s.byResource {
		sc.calls.Store(0)
	}
}

// Invoke implements aslrun.Invoker.
func (s *scripted) Invoke(_ context.Context, resource string, _ json.RawMessage) (json.RawMessage, error) {
	sc := s.byResource[resource]
	if sc == nil || len(sc.answers) == 0 {
		return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "no scripted answer for " + resource}
	}
	i := int(sc.calls.Add(1)) - 1
	a := sc.answers[min(i, len(sc.answers)-1)]
	if a.Error != "" {
		return nil, &aslrun.TaskError{Name: a.Error, Cause: a.Cause}
	}
	return a.Result, nil
}

// instantClock is the real clock without sleeping: Wait states and retry
// backoff take no time (as localrun's recorded waits).
type instantClock struct{}

func (instantClock) Now() time.Time                                   { return time.Now() }
func (instantClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }
func (instantClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// outcome is what both engines must agree on.
type outcome struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
}

// aslrunCase builds the case's machine and returns a function that runs
// one execution.
func aslrunCase(c benchCase, inline bool) (func() (outcome, error), error) {
	inv, err := newScripted(c)
	if err != nil {
		return nil, err
	}
	m, err := aslrun.New(c.Definition, aslrun.Options{Invoker: inv, Clock: instantClock{}, InvokeInline: inline})
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", c.Name, err)
	}
	ctx := context.Background()
	return func() (outcome, error) {
		inv.reset()
		e, err := m.Run(ctx, "bench", c.Input)
		if err != nil {
			return outcome{}, err
		}
		return outcome{Status: string(e.Status), Output: e.Output, Error: e.Error, Cause: e.Cause}, nil
	}, nil
}
