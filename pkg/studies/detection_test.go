package studies

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/data"
	"github.com/bgdlab/bgdlab/pkg/models"
)

// TestDetectionStudyTiny runs the detection study on a tiny data set: one
// row per method with a rate tried and a test mAP in [0, 1], the figure, and
// a claim about object detection that names mAP@0.5.
func TestDetectionStudyTiny(t *testing.T) {
	plan := detPlanFor(false)
	plan.data, plan.model, plan.epochs, plan.seeds = data.Detection{N: 60}, models.Detector{Width: 2}, 1, []uint64{1, 2}
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	s := &Env{Backend: b, Ctx: context.Background(), Results: filepath.Join(t.TempDir(), "results")}
	sec, err := runBoxStudy(s, plan, Study{Title: "detection"})
	if err != nil {
		t.Fatal(err)
	}
	rows := sec.Tables[0].Rows
	if len(rows) != len(plan.methods) || !strings.Contains(sec.Tables[0].Header[3], "mAP@0.5") {
		t.Fatalf("%d rows (want %d), header %v", len(rows), len(plan.methods), sec.Tables[0].Header)
	}
	if len(sec.Figures) != 1 || sec.Figures[0].Name != "detection_map" || len(sec.Claims) != 1 {
		t.Fatalf("figures %v, claims %d", sec.Figures, len(sec.Claims))
	}
	if c := sec.Claims[0]; !strings.Contains(c.Statement, "object detection") || !strings.Contains(c.Statement, "mAP@0.5") {
		t.Errorf("claim: %s", c.Statement)
	}
}
