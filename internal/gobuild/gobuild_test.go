package gobuild_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/resilientpay/paymentapi/internal/gobuild"
)

// module writes a small Go module with two mains: ./a imports ./shared and
// ./onlya, ./b imports ./shared.
func module(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":          "module example.com/m\n\ngo 1.22\n",
		"shared/s.go":     "package shared\n\nconst Greeting = \"hello\"\n",
		"onlya/o.go":      "package onlya\n\nfunc N() int { return 1 }\n",
		"a/main.go":       "package main\n\nimport (\n\t\"example.com/m/onlya\"\n\t\"example.com/m/shared\"\n)\n\nfunc main() { println(shared.Greeting, onlya.N()) }\n",
		"b/main.go":       "package main\n\nimport \"example.com/m/shared\"\n\nfunc main() { println(shared.Greeting) }\n",
		"b/main_test.go":  "package main\n",
		"unrelated/u.go":  "package unrelated\n",
		"a/testdata/x.go": "package ignored\n",
	}
	for name, content := range files {
		write(t, filepath.Join(dir, name), content)
	}
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostCache is a cache of binaries for this machine, in a temporary
// directory.
func hostCache(t *testing.T) *gobuild.Cache {
	t.Helper()
	c, err := gobuild.NewCache(t.TempDir(), []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func keys(t *testing.T, c *gobuild.Cache, dir string) map[string]string {
	t.Helper()
	k, err := c.Keys(dir, []string{"./a", "./b"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAKeyChangesExactlyWhenAPackageItLinksChanges(t *testing.T) {
	dir := module(t)
	c := hostCache(t)
	before := keys(t, c, dir)
	if again := keys(t, c, dir); again["./a"] != before["./a"] || again["./b"] != before["./b"] {
		t.Fatalf("keys are not stable: %v then %v", before, again)
	}
	if before["./a"] == before["./b"] {
		t.Fatalf("two different mains share the key %s", before["./a"])
	}
	// Each edit is checked against the keys of the edit before it.
	for _, tc := range []struct {
		name             string
		edit             string // file to rewrite
		content          string
		changeA, changeB bool
	}{
		{"a package only a links changes a's key alone", "onlya/o.go", "package onlya\n\nfunc N() int { return 2 }\n", true, false},
		{"a package both link changes both keys", "shared/s.go", "package shared\n\nconst Greeting = \"hi\"\n", true, true},
		{"a package neither links changes no key", "unrelated/u.go", "package unrelated\n\nvar X = 1\n", false, false},
		{"a test file changes no key", "b/main_test.go", "package main\n\nvar y = 2\n", false, false},
		{"go.sum changes every key", "go.sum", "example.com/x v1.0.0 h1:abc=\n", true, true},
	} {
		write(t, filepath.Join(dir, tc.edit), tc.content)
		after := keys(t, c, dir)
		if got := after["./a"] != before["./a"]; got != tc.changeA {
			t.Errorf("%s: a's key changed = %v, want %v", tc.name, got, tc.changeA)
		}
		if got := after["./b"] != before["./b"]; got != tc.changeB {
			t.Errorf("%s: b's key changed = %v, want %v", tc.name, got, tc.changeB)
		}
		before = after
	}
}

func TestAnUnchangedMainIsNotBuiltTwiceAndItsBinaryIsTheFreshBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	dir := module(t)
	c := hostCache(t)
	first, err := c.Bootstraps(dir, []string{"./a", "./b"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if first["./a"].Cached || first["./b"].Cached {
		t.Fatalf("an empty cache answered from the cache: %+v", first)
	}
	second, err := c.Bootstraps(dir, []string{"./a", "./b"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !second["./a"].Cached || !second["./b"].Cached {
		t.Fatalf("unchanged mains were built again: %+v", second)
	}
	// The cached binary has the bytes of a fresh build (reproducible flags).
	fresh := filepath.Join(t.TempDir(), "a")
	if err := gobuild.BuildFor(dir, "./a", fresh, []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"}); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(fresh)
	got, _ := os.ReadFile(second["./a"].Path)
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("the cached binary (%d bytes) differs from a fresh build (%d bytes)", len(got), len(want))
	}
	// A changed main is built again; the other is still cached.
	write(t, filepath.Join(dir, "onlya/o.go"), "package onlya\n\nfunc N() int { return 3 }\n")
	third, err := c.Bootstraps(dir, []string{"./a", "./b"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if third["./a"].Cached || !third["./b"].Cached {
		t.Errorf("after changing a package only a links: a cached %v, b cached %v; want false, true", third["./a"].Cached, third["./b"].Cached)
	}
	// Installed binaries are links or copies of the cached, read-only file.
	dst := filepath.Join(t.TempDir(), "bootstrap")
	if err := gobuild.Install(third["./b"].Path, dst); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dst); err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Errorf("installed bootstrap: %v, mode %v; want an executable", err, st.Mode())
	}
}
