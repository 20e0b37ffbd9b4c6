package archtest

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/bgdlab/bgdlab/"

// layers are docs/architecture.md's layers, top (8) to bottom (0). A package
// may import packages of strictly lower layers only.
var layers = map[string]int{
	"cmd/bgdlab":          8,
	"pkg/report":          7,
	"pkg/studies":         6,
	"pkg/bench":           6,
	"pkg/lab":             7,
	"pkg/experiment":      5,
	"pkg/plots":           5,
	"pkg/notebook":        5,
	"pkg/train":           4,
	"pkg/models":          3,
	"pkg/optim":           3,
	"pkg/lsq":             3,
	"pkg/theory":          3,
	"pkg/data":            2,
	"pkg/spec":            1,
	"pkg/stats":           1,
	"pkg/exercise":        1,
	"pkg/backend":         1,
	"pkg/vjp":             0,
	"internal/testenv":    0,
	"internal/idxtest":    0,
	"internal/atomicfile": 0,
	"internal/outdir":     1,
	"internal/archtest":   0,
	"notebooks":           8,
	"scripts/cudaplugin":  8,
}

// exceptions are imports against the grain that are known and scheduled to
// go (issue 14, "packages with one job"); a new one fails the test.
var exceptions = map[string]string{}

func TestDependenciesFlowOneWay(t *testing.T) {
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
			problems = append(problems, fmt.Sprintf("package %s has no layer: add it to docs/architecture.md and to layers here", pkg))
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
