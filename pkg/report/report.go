// Package report holds bgdlab's batch-gradient-descent study — the textbook
// example, condition numbers, batch sizes, an optimizer comparison on
// Fashion-MNIST, vanishing/exploding gradients and non-convex landscapes —
// and writes it as a self-contained HTML report with figures, tables, raw
// results and a "Claims checked" section whose verdicts are computed from
// the measurements.
package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bgdlab/bgdlab/internal/atomicfile"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/notebook"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/gomlx/compute"
	"gonum.org/v1/plot"
)

// Config configures a report.
type Config struct {
	// Out is the output folder: index.html, figures/, results/, notebooks/.
	Out string
	// Full runs the real study (full data, more seeds, notebooks with
	// BGDLAB_NOTEBOOK_FULL=1); otherwise the quick version (subsets, fewer
	// seeds; minutes on 2 cores).
	Full bool
	// Backend to run on (nil: backend.New()).
	Backend compute.Backend
	// Progress receives progress lines (nil: silent).
	Progress io.Writer
	// Notebooks is the folder of notebooks to execute and include (empty: none);
	// Tools the folder with bin/ and jupyter/ made by scripts/setup.
	Notebooks, Tools string
	// Command is the command line recorded in the report.
	Command string
	// Sections limits the study to these section IDs (empty: all).
	Sections []string
	// RepoFigures, if set, also receives the figures (the committed
	// figures/ of the canonical run).
	RepoFigures string
}

// Figure is one saved figure.
type Figure struct {
	Name, Caption string
	// PNG is embedded in index.html; SVG and PNG files are in figures/.
	PNG []byte
}

// Table is a small table of strings.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Claim is a common statement about BGD checked against the measurements.
type Claim struct {
	Statement string
	// Verdict is "supported", "refuted" or "nuanced", computed from data.
	Verdict  string
	Evidence string
	Figure   string
}

// Section is one part of the study.
type Section struct {
	ID, Title, Intro string
	Figures          []Figure
	Tables           []Table
	Claims           []Claim
	Took             time.Duration
}

// study is the shared state of one report run.
type study struct {
	cfg     Config
	b       compute.Backend
	ctx     context.Context
	results string
	figs    string
}

func (s *study) logf(format string, args ...any) {
	if s.cfg.Progress != nil {
		fmt.Fprintf(s.cfg.Progress, "report: "+format+"\n", args...)
	}
}

// figure saves p as figures/name.png and .svg (and in RepoFigures) and
// returns it for embedding.
func (s *study) figure(p *plot.Plot, name, caption string) (Figure, error) {
	png, err := plots.PNG(p)
	if err != nil {
		return Figure{}, err
	}
	svg, err := plots.SVG(p)
	if err != nil {
		return Figure{}, err
	}
	dirs := []string{s.figs}
	if s.cfg.RepoFigures != "" {
		dirs = append(dirs, s.cfg.RepoFigures)
	}
	for _, d := range dirs {
		if err := atomicfile.Write(filepath.Join(d, name+".png"), png); err != nil {
			return Figure{}, err
		}
		if err := atomicfile.Write(filepath.Join(d, name+".svg"), svg); err != nil {
			return Figure{}, err
		}
	}
	return Figure{Name: name, Caption: caption, PNG: png}, nil
}

// sweep runs a sweep into results/<id> (resuming finished runs).
func (s *study) sweep(id string, c *experiment.SweepConfig) ([]experiment.Plan, []*experiment.Result, error) {
	plans, err := c.Expand()
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(s.results, id)
	s.logf("%s: %d runs", id, len(plans))
	res, err := experiment.RunSweep(s.ctx, s.b, c, plans, dir, experiment.SweepOptions{Progress: s.cfg.Progress})
	if err != nil {
		return nil, nil, err
	}
	if len(res) != len(plans) {
		return nil, nil, fmt.Errorf("%s: %d of %d runs finished", id, len(res), len(plans))
	}
	return plans, res, nil
}

// sectionFns lists the study's sections in order.
var sectionFns = []struct {
	id string
	fn func(*study) (Section, error)
}{
	{"textbook", textbookSection},
	{"condition", conditionSection},
	{"batch", batchSection},
	{"fashion", fashionSection},
	{"deep", deepSection},
	{"landscape", landscapeSection},
}

// SectionIDs lists the IDs accepted by Config.Sections.
func SectionIDs() []string {
	var ids []string
	for _, s := range sectionFns {
		ids = append(ids, s.id)
	}
	return ids
}

// Run executes the study and writes the report. Finished runs from an
// earlier, interrupted report in the same folder are reused.
func Run(ctx context.Context, cfg Config) (string, error) {
	start := time.Now()
	if cfg.Out == "" {
		return "", fmt.Errorf("report: Out folder is required")
	}
	for _, id := range cfg.Sections {
		ok := false
		for _, s := range sectionFns {
			ok = ok || s.id == id
		}
		if !ok {
			return "", fmt.Errorf("report: unknown section %q (valid: %s)", id, strings.Join(SectionIDs(), ", "))
		}
	}
	out, err := filepath.Abs(cfg.Out)
	if err != nil {
		return "", err
	}
	s := &study{cfg: cfg, b: cfg.Backend, ctx: ctx, results: filepath.Join(out, "results"), figs: filepath.Join(out, "figures")}
	var info backend.Info
	if s.b == nil {
		s.b, info, err = backend.New()
		if err != nil {
			return "", err
		}
		defer s.b.Finalize()
	} else {
		info, _ = backend.Resolve()
	}
	for _, d := range []string{s.results, s.figs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	var sections []Section
	for _, sf := range sectionFns {
		if len(cfg.Sections) > 0 && !contains(cfg.Sections, sf.id) {
			continue
		}
		t0 := time.Now()
		s.logf("section %s ...", sf.id)
		sec, err := sf.fn(s)
		if err != nil {
			return "", fmt.Errorf("report section %s: %w", sf.id, err)
		}
		sec.ID = sf.id
		sec.Took = time.Since(t0)
		s.logf("section %s done in %s", sf.id, sec.Took.Round(time.Second))
		sections = append(sections, sec)
	}
	var nbs []notebook.Result
	if cfg.Notebooks != "" {
		paths, err := notebook.List(cfg.Notebooks)
		if err != nil {
			return "", err
		}
		for _, p := range paths {
			s.logf("executing %s ...", p)
			env := []string{"BGDLAB_OUT=" + out}
			if cfg.Full {
				env = append(env, "BGDLAB_NOTEBOOK_FULL=1") // the notebooks' full-size runs
			}
			if cfg.RepoFigures != "" {
				abs, _ := filepath.Abs(cfg.RepoFigures)
				env = append(env, "BGDLAB_FIGURES="+abs)
			}
			res, err := notebook.Execute(ctx, p, notebook.Options{OutDir: filepath.Join(out, "notebooks"), HTML: true,
				ToolsBin: filepath.Join(cfg.Tools, "bin"), JupyterDataDir: filepath.Join(cfg.Tools, "jupyter"), Env: env})
			if err != nil {
				return "", err
			}
			if len(res.Problems) > 0 {
				return "", fmt.Errorf("notebook %s failed:\n  %s", p, strings.Join(res.Problems, "\n  "))
			}
			nbs = append(nbs, res)
		}
	}
	hashes, err := runHashes(s.results)
	if err != nil {
		return "", err
	}
	index := filepath.Join(out, "index.html")
	html, err := render(cfg, info, s.b, sections, nbs, hashes, out, time.Since(start))
	if err != nil {
		return "", err
	}
	return index, atomicfile.Write(index, html)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// runHashes returns "results/…/run.json" → sha256 for every finished run.
func runHashes(root string) ([][2]string, error) {
	var out [][2]string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != experiment.RunFile {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		rel, _ := filepath.Rel(filepath.Dir(root), path)
		out = append(out, [2]string{filepath.ToSlash(rel), hex.EncodeToString(sum[:])})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	if err == nil {
		var buf bytes.Buffer
		for _, h := range out {
			fmt.Fprintf(&buf, "%s  %s\n", h[1], h[0])
		}
		err = atomicfile.Write(filepath.Join(root, "run-hashes.sha256"), buf.Bytes())
	}
	return out, err
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"img": func(b []byte) template.URL {
		return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
	},
	"verdictClass": func(v string) string {
		return map[string]string{"supported": "ok", "refuted": "no", "nuanced": "mid"}[v]
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>bgdlab report: batch gradient descent and its rivals</title>
<style>
body{font-family:system-ui,sans-serif;max-width:62em;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
table{border-collapse:collapse;margin:.6em 0 1.2em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.92em}
th{background:#f3f3f3}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.9em;color:#444}
.ok{color:#0a6b2b;font-weight:bold}.no{color:#b00020;font-weight:bold}.mid{color:#8a5a00;font-weight:bold}code{background:#f6f6f6;padding:0 .2em}
</style>
</head>
<body>
<h1>Batch gradient descent and its rivals</h1>
<p>bgdlab report ({{.Mode}}), generated {{.When}} in {{.Took}}.</p>
<table>
<tr><th>command</th><td><code>{{.Command}}</code></td></tr>
<tr><th>backend</th><td><code>{{.Backend}}</code> — {{.Reason}}</td></tr>
<tr><th>devices</th><td>{{.Devices}}</td></tr>
<tr><th>versions</th><td>{{.Versions}}</td></tr>
<tr><th>raw results</th><td><a href="results/run-hashes.sha256">results/</a> (run.json, history.csv, summary.csv, best.csv per study; SHA-256 of every run.json below)</td></tr>
</table>
<h2 id="claims">Claims checked</h2>
<p>Each verdict is computed from this run's measurements, not written by hand.</p>
<table>
<tr><th>claim</th><th>verdict</th><th>evidence</th><th>figure</th></tr>
{{range .Claims}}<tr><td>{{.Statement}}</td><td class="{{verdictClass .Verdict}}">{{.Verdict}}</td><td>{{.Evidence}}</td><td>{{if .Figure}}<a href="#fig-{{.Figure}}">{{.Figure}}</a>{{end}}</td></tr>
{{end}}</table>
{{range .Sections}}
<h2 id="{{.ID}}">{{.Title}}</h2>
<p>{{.Intro}}</p>
{{range .Tables}}<table><caption>{{.Caption}}</caption>
<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}{{range .Figures}}<figure id="fig-{{.Name}}"><img src="{{img .PNG}}" alt="{{.Caption}}"/><figcaption>{{.Caption}} (<a href="figures/{{.Name}}.svg">SVG</a>, <a href="figures/{{.Name}}.png">PNG</a>)</figcaption></figure>
{{end}}<p><small>section time {{.Took}}</small></p>
{{end}}
{{if .Notebooks}}<h2 id="notebooks">Executed notebooks</h2>
<table><tr><th>notebook</th><th>time</th></tr>
{{range .Notebooks}}<tr><td><a href="{{.HTML}}">{{.Name}}</a> (<a href="{{.IPYNB}}">ipynb</a>)</td><td>{{.Secs}}</td></tr>
{{end}}</table>{{end}}
<h2 id="hashes">run.json SHA-256</h2>
<details><summary>{{len .Hashes}} runs</summary>
<table>{{range .Hashes}}<tr><td><code>{{index . 1}}</code></td><td><a href="{{index . 0}}">{{index . 0}}</a></td></tr>
{{end}}</table></details>
</body>
</html>
`))

func render(cfg Config, info backend.Info, b compute.Backend, sections []Section, nbs []notebook.Result, hashes [][2]string, out string, took time.Duration) ([]byte, error) {
	var claims []Claim
	for i := range sections {
		claims = append(claims, sections[i].Claims...)
		sections[i].Took = sections[i].Took.Round(time.Second)
	}
	type nbRow struct{ Name, HTML, IPYNB, Secs string }
	var rows []nbRow
	for _, r := range nbs {
		rel := func(p string) string { s, _ := filepath.Rel(out, p); return filepath.ToSlash(s) }
		rows = append(rows, nbRow{filepath.Base(r.Source), rel(r.HTML), rel(r.Executed), fmt.Sprintf("%.1fs", r.Duration.Seconds())})
	}
	var devices []string
	for i := 0; i < b.NumDevices(); i++ {
		devices = append(devices, b.DeviceDescription(compute.DeviceNum(i)))
	}
	v := backend.Versions()
	mode := "quick: subsets, fewer seeds"
	if cfg.Full {
		mode = "full"
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, map[string]any{
		"Mode": mode, "When": time.Now().UTC().Format(time.RFC3339), "Took": took.Round(time.Second).String(),
		"Command": cfg.Command, "Backend": b.Description(), "Reason": info.Reason, "Devices": strings.Join(devices, "; "),
		"Versions": fmt.Sprintf("bgdlab %s, GoMLX %s, go-xla %s, %s", v["bgdlab"], v["gomlx"], v["go-xla"], v["go"]),
		"Claims":   claims, "Sections": sections, "Notebooks": rows, "Hashes": hashes,
	})
	return buf.Bytes(), err
}
