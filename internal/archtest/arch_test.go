package archtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/bgdlab/bgdlab/"

// layers reads docs/architecture.md's layer table: rows "| N | `pkg/a`,
// `pkg/b` | …" give each package its layer (a trailing slash, as in
// `notebooks/`, is dropped). The page is the one place the layers are kept.
func layers(t *testing.T) map[string]int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "architecture.md"))
	if err != nil {
		t.Fatalf("reading the layers: %v", err)
	}
	out := map[string]int{}
	row := regexp.MustCompile("^\\| (\\d+) \\| ([^|]+) \\|")
	pkgRE := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(string(raw), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		for _, p := range pkgRE.FindAllStringSubmatch(m[2], -1) {
			out[strings.TrimSuffix(p[1], "/")] = n
		}
	}
	if len(out) < 10 {
		t.Fatalf("docs/architecture.md's layer table gave %d packages: is the table still \"| layer | packages | holds |\"?", len(out))
	}
	return out
}

// exceptions are imports against the grain that are known and scheduled to
// go (issue 14, "packages with one job"); a new one fails the test.
var exceptions = map[string]string{}

func TestDependenciesFlowOneWay(t *testing.T) {
	layers := layers(t)
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \",\"}}", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		pkg = strings.TrimPrefix(pkg, module)
		from, ok := layers[pkg]
		if !ok {
			problems = append(problems, fmt.Sprintf("package %s has no layer: add it to docs/architecture.md's layer table", pkg))
			continue
		}
		for _, imp := range strings.Split(imports, ",") {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			imp = strings.TrimPrefix(imp, module)
			to, ok := layers[imp]
			edge := pkg + " -> " + imp
			if ok && to < from {
				continue
			}
			if _, known := exceptions[edge]; known {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s: layer %d imports layer %d (docs/architecture.md: imports flow downward only)", edge, from, to))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestExceptionsStillExist keeps the exception list honest: an exception
// whose import is gone must be deleted.
func TestExceptionsStillExist(t *testing.T) {
	for edge := range exceptions {
		pkg, imp, _ := strings.Cut(edge, " -> ")
		out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}", module+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		if !strings.Contains("\n"+string(out)+"\n", "\n"+module+imp+"\n") {
			t.Errorf("exception %q no longer holds: delete it", edge)
		}
	}
}
