package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// source reads LocalStack's files from a checkout or a bare repository.
type source interface {
	commit() (string, error)
	list(prefix string) ([]string, error)
	read(path string) ([]byte, error)
}

func openSource(path string) (source, error) {
	if _, err := os.Stat(filepath.Join(path, "tests")); err == nil {
		return dirSource(path), nil
	}
	if _, err := os.Stat(filepath.Join(path, "HEAD")); err == nil {
		return &gitSource{dir: path}, nil
	}
	return nil, fmt.Errorf("%s is neither a checkout of localstack/localstack nor a bare repository", path)
}

type dirSource string

func (d dirSource) commit() (string, error) {
	out, err := exec.Command("git", "-C", string(d), "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown (not a git checkout)", nil
	}
	return strings.TrimSpace(string(out)), nil
}

func (d dirSource) list(prefix string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(filepath.Join(string(d), prefix), func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(string(d), p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func (d dirSource) read(path string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), path))
}

type gitSource struct {
	dir   string
	cache map[string][]byte
}

func (g *gitSource) git(args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"--git-dir", g.dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

func (g *gitSource) commit() (string, error) {
	out, err := g.git("rev-parse", "HEAD")
	return strings.TrimSpace(string(out)), err
}

func (g *gitSource) list(prefix string) ([]string, error) {
	out, err := g.git("ls-tree", "-r", "--name-only", "HEAD", prefix)
	if err != nil {
		return nil, err
	}
	files := strings.Fields(string(out))
	sort.Strings(files)
	return files, nil
}

func (g *gitSource) read(path string) ([]byte, error) {
	if b, ok := g.cache[path]; ok {
		return b, nil
	}
	b, err := g.git("show", "HEAD:"+path)
	if err != nil {
		return nil, err
	}
	if g.cache == nil {
		g.cache = map[string][]byte{}
	}
	g.cache[path] = b
	return b, nil
}
