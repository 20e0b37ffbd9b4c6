// Package report runs bgdlab's batch-gradient-descent study (pkg/studies:
// the textbook example, condition numbers, batch sizes, an optimizer
// comparison on Fashion-MNIST, vanishing/exploding gradients and non-convex
// landscapes) and writes it as a self-contained HTML report with figures,
// tables, raw results, the executed notebooks and a "Claims checked" section
// whose verdicts the studies computed from the measurements.
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
	"github.com/bgdlab/bgdlab/internal/outdir"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/experiment"
	"github.com/bgdlab/bgdlab/pkg/notebook"
	"github.com/bgdlab/bgdlab/pkg/plots"
	"github.com/bgdlab/bgdlab/pkg/studies"
	"github.com/bgdlab/bgdlab/pkg/train"
	"github.com/gomlx/compute"
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
	// AllNotebooks executes the whole course; otherwise only the study's
	// own notebooks (StudyNotebooks).
	AllNotebooks bool
	// Command is the command line recorded in the report.
	Command string
	// Sections limits the study to these section IDs (empty: all).
	Sections []string
	// RepoFigures, if set, also receives the figures (the committed
	// figures/ of the canonical run).
	RepoFigures string
}

// StudyNotebooks are the name prefixes of the notebooks a report executes
// unless told to execute all: the course's first three, which accompany the
// BGD study (the test command executes every notebook).
var StudyNotebooks = []string{"01_", "02_", "03_"}

// studyNotebooks keeps the paths whose names start with a StudyNotebooks prefix.
func studyNotebooks(paths []string) []string {
	var out []string
	for _, p := range paths {
		if hasPrefix(filepath.Base(p), StudyNotebooks) {
			out = append(out, p)
		}
	}
	return out
}

// Figure is one rendered figure.
type Figure struct {
	Name, Caption string
	// PNG is embedded in index.html; SVG and PNG files are in figures/.
	PNG []byte
}

// Section is one rendered study.
type Section struct {
	ID, Title, Intro string
	Figures          []Figure
	Tables           []studies.Table
	Claims           []studies.Claim
	Took             time.Duration
}

// SectionIDs lists the IDs accepted by Config.Sections.
func SectionIDs() []string { return studies.IDs() }

// renderFigure saves f as name.png and name.svg in each of dirs and returns
// it for embedding.
func renderFigure(f studies.Figure, dirs []string) (Figure, error) {
	png, err := plots.PNG(f.Plot)
	if err != nil {
		return Figure{}, err
	}
	svg, err := plots.SVG(f.Plot)
	if err != nil {
		return Figure{}, err
	}
	for _, d := range dirs {
		if err := atomicfile.Write(filepath.Join(d, f.Name+".png"), png); err != nil {
			return Figure{}, err
		}
		if err := atomicfile.Write(filepath.Join(d, f.Name+".svg"), svg); err != nil {
			return Figure{}, err
		}
	}
	return Figure{Name: f.Name, Caption: f.Caption, PNG: png}, nil
}

// runStudies runs the selected studies and renders their figures.
func runStudies(env *studies.Env, cfg Config, figDirs []string) ([]Section, error) {
	var sections []Section
	for _, st := range studies.All {
		if len(cfg.Sections) > 0 && !contains(cfg.Sections, st.ID) {
			continue
		}
		t0 := time.Now()
		logf(cfg, "section %s ...", st.ID)
		res, err := st.Run(env)
		if err != nil {
			return nil, fmt.Errorf("report section %s: %w", st.ID, err)
		}
		sec := Section{ID: st.ID, Title: res.Title, Intro: res.Intro, Tables: res.Tables, Claims: res.Claims}
		for _, f := range res.Figures {
			fig, err := renderFigure(f, figDirs)
			if err != nil {
				return nil, fmt.Errorf("report section %s, figure %s: %w", st.ID, f.Name, err)
			}
			sec.Figures = append(sec.Figures, fig)
		}
		sec.Took = time.Since(t0)
		logf(cfg, "section %s done in %s", st.ID, sec.Took.Round(time.Second))
		sections = append(sections, sec)
	}
	return sections, nil
}

func logf(cfg Config, format string, args ...any) {
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "report: "+format+"\n", args...)
	}
}

// Run executes the study and writes the report. Finished runs from an
// earlier, interrupted report in the same folder are reused.
func Run(ctx context.Context, cfg Config) (string, error) {
	start := time.Now()
	if cfg.Out == "" {
		return "", fmt.Errorf("report: Out folder is required")
	}
	for _, id := range cfg.Sections {
		if !contains(studies.IDs(), id) {
			return "", fmt.Errorf("report: unknown section %q (valid: %s)", id, strings.Join(SectionIDs(), ", "))
		}
	}
	out, err := filepath.Abs(cfg.Out)
	if err != nil {
		return "", err
	}
	if err := claimFolder(out); err != nil {
		return "", err
	}
	unlock, err := experiment.LockFolder(out, "report")
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	defer unlock()
	// Everything the last step needs is checked before the first run, so a
	// missing notebook toolchain fails now, not after the study's minutes.
	nbOpt := notebook.Options{OutDir: filepath.Join(out, "notebooks"), HTML: true,
		ToolsBin: filepath.Join(cfg.Tools, "bin"), JupyterDataDir: filepath.Join(cfg.Tools, "jupyter")}
	if cfg.Notebooks != "" {
		if err := notebook.CheckToolchain(ctx, nbOpt); err != nil {
			return "", fmt.Errorf("report: before running the study: %w (or --notebooks \"\" to skip the notebooks)", err)
		}
	}
	env := &studies.Env{Backend: cfg.Backend, Ctx: ctx, Results: filepath.Join(out, "results"), Full: cfg.Full, Progress: cfg.Progress}
	figs := filepath.Join(out, "figures")
	var info backend.Info
	if env.Backend == nil {
		env.Backend, info, err = backend.New()
		if err != nil {
			return "", err
		}
		defer env.Backend.Finalize()
	} else {
		info, _ = backend.Resolve()
	}
	// One cache for the whole study, closed before the backend is finalized.
	env.Cache = train.NewCache()
	defer env.Cache.Close()
	for _, d := range []string{env.Results, figs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	figDirs := []string{figs}
	if cfg.RepoFigures != "" {
		figDirs = append(figDirs, cfg.RepoFigures)
	}
	sections, err := runStudies(env, cfg, figDirs)
	if err != nil {
		return "", err
	}
	nbs, err := runNotebooks(ctx, cfg, nbOpt, out)
	if err != nil {
		return "", err
	}
	hashes, err := runHashes(env.Results)
	if err != nil {
		return "", err
	}
	index := filepath.Join(out, "index.html")
	html, err := render(cfg, info, env.Backend, sections, nbs, hashes, out, time.Since(start))
	if err != nil {
		return "", err
	}
	return index, atomicfile.Write(index, html)
}

// claimFolder makes out a report folder (internal/outdir's rule): a new or
// empty folder, or one an earlier report wrote (its marker, or
// results/run-hashes.sha256 of reports from before the marker). A folder
// holding anything else is refused, so nobody's index.html is overwritten.
func claimFolder(out string) error {
	if err := outdir.Claim(out, "report", filepath.Join("results", "run-hashes.sha256")); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
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
	"verdictClass": func(v studies.Verdict) string {
		return map[studies.Verdict]string{studies.Supported: "ok", studies.Refuted: "no", studies.Nuanced: "mid"}[v]
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
<p>Each verdict is computed from this run's measurements, not written by hand. Each names its budget unit; all were measured on the backend and CPU in the last column (verdicts about seconds hold for them only).</p>
<table>
<tr><th>claim</th><th>verdict</th><th>evidence</th><th>figure</th><th>measured on</th></tr>
{{range .Claims}}<tr><td>{{.Statement}}</td><td class="{{verdictClass .Verdict}}">{{.Verdict}}</td><td>{{.Evidence}}</td><td>{{if .Figure}}<a href="#fig-{{.Figure}}">{{.Figure}}</a>{{end}}</td><td>{{$.MeasuredOn}}</td></tr>
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
<p>{{.NotebookNote}}</p>
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
	var claims []studies.Claim
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
	cpu := backend.DetectCPU()
	measuredOn := fmt.Sprintf("backend %q; CPU %s (%d cores, %s)", b.Name(), cpu.Model, cpu.Cores, cpu.Flags())
	var buf bytes.Buffer
	err := page.Execute(&buf, map[string]any{
		"Mode": mode, "When": time.Now().UTC().Format(time.RFC3339), "Took": took.Round(time.Second).String(),
		"Command": cfg.Command, "Backend": b.Description(), "Reason": info.Reason, "Devices": strings.Join(devices, "; "),
		"Versions": fmt.Sprintf("bgdlab %s, GoMLX %s, go-xla %s, %s", v["bgdlab"], v["gomlx"], v["go-xla"], v["go"]),
		"Claims":   claims, "MeasuredOn": measuredOn, "Sections": sections, "Notebooks": rows, "NotebookNote": notebookNote(cfg), "Hashes": hashes,
	})
	return buf.Bytes(), err
}

// notebookNote says which notebooks a report executed.
func notebookNote(cfg Config) string {
	if cfg.AllNotebooks {
		return "The whole course, executed headlessly for this report."
	}
	return "The notebooks that accompany this study (01–03), executed headlessly for this report. The rest of the course (04–11) runs with bgdlab report --all-notebooks, and in every run of the test command."
}
