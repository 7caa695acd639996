package test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoCDKCallRunsWhilePackagesInitialise: a package-level variable
// initialised by a CDK (jsii) call starts the jsii kernel while packages
// initialise, on whatever `node` is first on PATH, before
// paymentstack.ReexecOnSupportedNode can choose Node 22: on a machine
// whose node is 20, every plain `go test` and `go run` would print Node
// 20's end-of-life banner. Calls belong in functions.
func TestNoCDKCallRunsWhilePackagesInitialise(t *testing.T) {
	root := filepath.Join("..")
	var found []string
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && (info.Name() == "node_modules" || strings.HasPrefix(info.Name(), ".") && p != root || info.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		fs := token.NewFileSet()
		f, err := parser.ParseFile(fs, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		cdk := map[string]bool{}
		for _, i := range f.Imports {
			path := strings.Trim(i.Path.Value, `"`)
			if strings.Contains(path, "github.com/aws/aws-cdk-go/") || strings.Contains(path, "github.com/aws/constructs-go/") ||
				strings.Contains(path, "github.com/cdklabs/") {
				name := filepath.Base(path)
				if strings.HasPrefix(name, "v") && len(name) <= 3 { // .../awscdk/v2
					name = filepath.Base(filepath.Dir(path))
				}
				if i.Name != nil {
					name = i.Name.Name
				}
				cdk[name] = true
			}
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			ast.Inspect(g, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false // runs when called, not at init
				}
				if c, ok := n.(*ast.CallExpr); ok {
					if s, ok := c.Fun.(*ast.SelectorExpr); ok {
						if x, ok := s.X.(*ast.Ident); ok && cdk[x.Name] {
							found = append(found, fs.Position(c.Pos()).String()+": "+x.Name+"."+s.Sel.Name)
						}
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("a CDK call initialises a package-level variable: %s", f)
	}
}
