package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// A sweep.json written before specs were typed holds its base spec's
// grammar fields as the user wrote them ("gd:lr=0.010", "32") and its hash
// over that text. Resuming into its folder and merging must still accept it:
// the hash is checked against the text as written.
func TestOldSweepRecordStillReads(t *testing.T) {
	config := `{"name":"s","base":{"data":"textbook","model":"linear","optimizer":"gd:lr=0.010","batch":"32","steps":3,"seed":0},"optimizers":["gd"],"seeds":[1]}`
	sum := sha256.Sum256([]byte(config))
	raw := config[:len(config)-1] + `,"format":2,"config_sha256":"` + hex.EncodeToString(sum[:]) + `"}`
	c, _, err := readSweepRecord([]byte(raw))
	if err != nil {
		t.Fatalf("an old sweep.json no longer reads: %v", err)
	}
	if got := c.Base.Optimizer.String(); got != "gd" {
		t.Errorf("base optimizer read as %q", got)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sweep.json"), []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckFolder(dir, c); err != nil {
		t.Errorf("resuming into the old sweep's folder: %v", err)
	}
	// A config edited after the sweep ran is still refused.
	edited := `{"name":"s","base":{"data":"textbook","model":"linear","optimizer":"gd:lr=0.020","batch":"32","steps":3,"seed":0},"optimizers":["gd"],"seeds":[1],"format":2,"config_sha256":"` + hex.EncodeToString(sum[:]) + `"}`
	if _, _, err := readSweepRecord([]byte(edited)); err == nil {
		t.Error("an edited sweep.json was accepted")
	}
}
