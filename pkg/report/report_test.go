package report_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgdlab/bgdlab/internal/testenv"
	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/report"
)

// TestQuickReportSections runs the fast sections and checks the report is
// well-formed, every reference resolves, and each claim has a verdict.
func TestQuickReportSections(t *testing.T) {
	out := t.TempDir()
	index, err := report.Run(context.Background(), report.Config{Out: out, Sections: []string{"textbook", "condition", "landscape"}, Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	checkHTML(t, out, raw)
	for _, want := range []string{"Claims checked", "BGD iterations are stable and never diverge", "BGD finds the global minimum", "refuted"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Every claim's row names the backend and the CPU it was measured on.
	b, _, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	cpu := backend.DetectCPU()
	on := template.HTMLEscapeString(fmt.Sprintf("backend %q; CPU %s (%d cores, %s)", b.Name(), cpu.Model, cpu.Cores, cpu.Flags()))
	on = "<td>" + on + "</td></tr>"
	b.Finalize()
	if claims := bytes.Count(raw, []byte(`<td class="`)); claims == 0 || bytes.Count(raw, []byte(on)) != claims {
		t.Errorf("%d claims, %d rows ending in %q", claims, bytes.Count(raw, []byte(on)), on)
	}
	// Rerunning reuses the finished runs (same run.json bytes).
	hashes, _ := os.ReadFile(filepath.Join(out, "results", "run-hashes.sha256"))
	if _, err := report.Run(context.Background(), report.Config{Out: out, Sections: []string{"textbook", "condition", "landscape"}, Command: "test"}); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(out, "results", "run-hashes.sha256"))
	if !bytes.Equal(hashes, again) || len(hashes) == 0 {
		t.Error("a rerun changed finished runs instead of reusing them")
	}
	renderWithChromium(t, index)
}

// checkHTML parses the page as XML (the template writes well-formed XHTML)
// and checks that every image and local link resolves.
func checkHTML(t *testing.T, dir string, raw []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	imgs, links := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("index.html is not well-formed: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		for _, a := range se.Attr {
			switch {
			case se.Name.Local == "img" && a.Name.Local == "src":
				imgs++
				const prefix = "data:image/png;base64,"
				if !strings.HasPrefix(a.Value, prefix) {
					t.Errorf("image %q is not embedded", a.Value[:min(40, len(a.Value))])
					continue
				}
				png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a.Value, prefix))
				if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
					t.Errorf("embedded image is not a PNG: %v", err)
				}
			case se.Name.Local == "a" && a.Name.Local == "href" && !strings.HasPrefix(a.Value, "#") && !strings.Contains(a.Value, "://"):
				links++
				if _, err := os.Stat(filepath.Join(dir, a.Value)); err != nil {
					t.Errorf("link %s does not resolve", a.Value)
				}
			}
		}
	}
	if imgs < 4 || links < 8 {
		t.Errorf("only %d images and %d local links", imgs, links)
	}
}

// renderWithChromium screenshots the page headless when Chromium is
// installed and checks it is not blank.
func renderWithChromium(t *testing.T, index string) {
	bin := ""
	for _, b := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(b); err == nil {
			bin = b
		}
	}
	if bin == "" {
		testenv.Missing(t, "Chromium (for the rendering check)", "apt-get install chromium (scripts/test installs it)")
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--screenshot="+shot, "--window-size=1200,2000", "file://"+index)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	// Not blank: a share of the pixels is ink (text, tables) and some are
	// coloured (the figures' lines).
	var ink, colour, total int
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			total++
			if r < 0xc000 || g < 0xc000 || b < 0xc000 {
				ink++
			}
			if max(r, g, b)-min(r, g, b) > 0x4000 {
				colour++
			}
		}
	}
	t.Logf("screenshot %v: %.1f%% ink, %.2f%% coloured pixels", bounds.Size(), 100*float64(ink)/float64(total), 100*float64(colour)/float64(total))
	if float64(ink) < 0.01*float64(total) || colour < 500 {
		t.Fatalf("the page looks blank: %d of %d pixels are ink, %d coloured", ink, total, colour)
	}
}
