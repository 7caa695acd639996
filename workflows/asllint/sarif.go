package asllint

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// Linted is one linted definition with where it came from: the input of
// WriteSARIF.
type Linted struct {
	// File is the file the definition came from: a definition file or a
	// CloudFormation template. It becomes the SARIF artifact location.
	File string
	// JSON is the definition's text; findings are located in it by JSON
	// pointer.
	JSON []byte
	// JSONIsFile says JSON is File's own content, so line numbers in JSON
	// are line numbers in File (not so for a definition rebuilt from a
	// template).
	JSONIsFile bool
	Findings   []Finding
}

// SARIFSchemaURI is the OASIS SARIF 2.1.0 (errata 01) schema the output
// declares and the tests validate against.
const SARIFSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// The subset of SARIF 2.1.0 that asllint writes.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name  string      `json:"name"`
		Rules []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string             `json:"id"`
		ShortDescription     sarifText          `json:"shortDescription"`
		FullDescription      sarifText          `json:"fullDescription"`
		Help                 sarifText          `json:"help"`
		DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
		Properties           sarifRuleProps     `json:"properties"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifConfiguration struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Category Category `json:"category"`
		Tags     []string `json:"tags"`
	}
	sarifResult struct {
		RuleID     string           `json:"ruleId"`
		RuleIndex  int              `json:"ruleIndex"`
		Level      string           `json:"level"`
		Message    sarifText        `json:"message"`
		Locations  []sarifLocation  `json:"locations"`
		Properties sarifResultProps `json:"properties"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical  `json:"physicalLocation"`
		LogicalLocations []sarifLogical `json:"logicalLocations"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifLogical struct {
		Name               string `json:"name,omitempty"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
	}
	sarifResultProps struct {
		Machine     string `json:"machine"`
		State       string `json:"state,omitempty"`
		Path        string `json:"path,omitempty"`
		JSONPointer string `json:"jsonPointer"`
		Hint        string `json:"hint,omitempty"`
	}
)

// WriteSARIF writes the findings as one SARIF 2.1.0 run: every registered
// rule in tool.driver.rules (its summary, help text, category and default
// level), and each finding as a result with its rule, level, message and a
// location: the file, the line when it can be computed, and a logical
// location "<machine>#<JSON pointer>" naming the state and field.
func WriteSARIF(w io.Writer, linted []Linted) error {
	rules := Rules()
	index := map[string]int{}
	drv := sarifDriver{Name: "asllint", Rules: make([]sarifRule, len(rules))}
	for i, r := range rules {
		index[r.ID] = i
		drv.Rules[i] = sarifRule{
			ID:                   r.ID,
			ShortDescription:     sarifText{r.Summary},
			FullDescription:      sarifText{r.Summary + " " + r.Help},
			Help:                 sarifText{r.Help},
			DefaultConfiguration: sarifConfiguration{Level: string(r.Severity)},
			Properties:           sarifRuleProps{Category: r.Category, Tags: []string{string(r.Category)}},
		}
	}
	results := []sarifResult{}
	for _, l := range linted {
		for _, f := range l.Findings {
			ptr, _ := Pointer(l.JSON, f.Path)
			phys := sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(l.File)}}
			if l.JSONIsFile {
				if n := Line(l.JSON, ptr); n > 0 {
					phys.Region = &sarifRegion{StartLine: n}
				}
			}
			name := f.State
			if name == "" {
				name = f.Machine
			}
			msg := f.Message
			if f.Hint != "" {
				msg += " (hint: " + f.Hint + ")"
			}
			results = append(results, sarifResult{
				RuleID:    f.Rule,
				RuleIndex: index[f.Rule],
				Level:     string(f.Severity),
				Message:   sarifText{msg},
				Locations: []sarifLocation{{
					PhysicalLocation: phys,
					LogicalLocations: []sarifLogical{{Name: name, FullyQualifiedName: f.Machine + "#" + ptr}},
				}},
				Properties: sarifResultProps{Machine: f.Machine, State: f.State, Path: f.Path, JSONPointer: ptr, Hint: f.Hint},
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: SARIFSchemaURI, Version: "2.1.0", Runs: []sarifRun{{Tool: sarifTool{Driver: drv}, Results: results}}})
}

// artifactURI writes a file path as a URI reference: relative paths stay
// relative (code scanning resolves them against the repository root),
// absolute ones become file: URIs.
func artifactURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // a Windows drive path
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}
