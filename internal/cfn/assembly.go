package cfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// StackTemplate is one stack template of a cloud assembly.
type StackTemplate struct {
	// Stack is the stack's artifact id in the manifest (the file name
	// without .template.json when the assembly has no manifest).
	Stack string
	// File is the template's path.
	File     string
	Template *Template
}

// maxAssemblyDepth bounds the nesting of cdk:cloud-assembly artifacts
// (CDK stages), against a manifest that names its own directory.
const maxAssemblyDepth = 8

// ReadAssembly reads every stack template of a CDK cloud assembly
// directory (cdk.out): the aws:cloudformation:stack artifacts of its
// manifest.json, sorted by artifact id, followed into nested assemblies
// (cdk:cloud-assembly artifacts, which CDK writes for stages). Without a
// manifest.json it reads every *.template.json of the directory.
func ReadAssembly(dir string) ([]StackTemplate, error) {
	files, err := assemblyFiles(dir, 0)
	if err != nil {
		return nil, err
	}
	out := make([]StackTemplate, 0, len(files))
	for _, f := range files {
		t, err := readTemplate(f.File)
		if err != nil {
			return nil, err
		}
		f.Template = t
		out = append(out, f)
	}
	return out, nil
}

func assemblyFiles(dir string, depth int) ([]StackTemplate, error) {
	if depth > maxAssemblyDepth {
		return nil, fmt.Errorf("cfn: %s: cloud assemblies nested more than %d deep", dir, maxAssemblyDepth)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		matches, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
		if err != nil {
			return nil, fmt.Errorf("cfn: %w", err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("cfn: %s has neither manifest.json nor *.template.json", dir)
		}
		var out []StackTemplate
		for _, m := range matches {
			out = append(out, StackTemplate{Stack: strings.TrimSuffix(filepath.Base(m), ".template.json"), File: m})
		}
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cfn: %w", err)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile  string `json:"templateFile"`
				DirectoryName string `json:"directoryName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("cfn: %s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	ids := make([]string, 0, len(manifest.Artifacts))
	for id := range manifest.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []StackTemplate
	for _, id := range ids {
		a := manifest.Artifacts[id]
		switch a.Type {
		case "aws:cloudformation:stack":
			if a.Properties.TemplateFile != "" {
				out = append(out, StackTemplate{Stack: id, File: filepath.Join(dir, a.Properties.TemplateFile)})
			}
		case "cdk:cloud-assembly":
			if a.Properties.DirectoryName != "" {
				nested, err := assemblyFiles(filepath.Join(dir, a.Properties.DirectoryName), depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, nested...)
			}
		}
	}
	return out, nil
}
