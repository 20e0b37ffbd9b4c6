package main

import (
	"context"
	"flag"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bgdlab/bgdlab/pkg/backend"
	"github.com/bgdlab/bgdlab/pkg/notebook"
	"github.com/bgdlab/bgdlab/pkg/plots"
)

func init() {
	register("report", "run the BGD study: execute the notebooks, write figures, HTML and index.html", runReport)
}

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "out/report", "output folder")
	nbDir := fs.String("notebooks", "notebooks", "folder with the notebooks to execute")
	tools := fs.String("tools", ".tools", "folder with bin/ (gonb, goimports, gopls) and jupyter/ (the GoNB kernelspec), made by scripts/setup")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	backend.Warnings = stderr
	info, err := backend.Resolve()
	if err != nil {
		return usagef("%v", err)
	}
	absOut, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	absTools, _ := filepath.Abs(*tools)
	paths, err := notebook.List(*nbDir)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef("no notebooks in %s (--notebooks)", *nbDir)
	}
	start := time.Now()
	var results []notebook.Result
	failed := 0
	for _, p := range paths {
		fmt.Fprintf(stderr, "report: executing %s ...\n", p)
		res, err := notebook.Execute(context.Background(), p, notebook.Options{
			OutDir: filepath.Join(absOut, "notebooks"), HTML: true,
			ToolsBin: filepath.Join(absTools, "bin"), JupyterDataDir: filepath.Join(absTools, "jupyter"),
			Env: []string{"BGDLAB_OUT=" + absOut},
		})
		if err != nil {
			return err
		}
		if len(res.Problems) > 0 {
			failed++
			fmt.Fprintf(stderr, "report: %s FAILED:\n  %s\n", p, strings.Join(res.Problems, "\n  "))
		} else {
			fmt.Fprintf(stderr, "report: %s ok in %.1fs\n", p, res.Duration.Seconds())
		}
		results = append(results, res)
	}
	if err := writeIndex(absOut, info, results, time.Since(start)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report written to %s\n", filepath.Join(absOut, "index.html"))
	if failed > 0 {
		return fmt.Errorf("%d notebook(s) failed; see the messages above", failed)
	}
	return nil
}

var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>bgdlab report</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}td,th{padding:.2em .8em;text-align:left}</style>
</head><body>
<h1>bgdlab report</h1>
<p>Generated {{.When}} in {{.Took}} on backend <code>{{.Backend}}</code> ({{.Reason}}). Versions: {{.Versions}}.</p>
<p>Command: <code>scripts/report</code> (runs <code>bgdlab report --out {{.Out}}</code>).</p>
<h2>Notebooks</h2>
<table><tr><th>notebook</th><th>status</th><th>time</th></tr>
{{range .Rows}}<tr><td><a href="{{.HTML}}">{{.Name}}</a> (<a href="{{.IPYNB}}">ipynb</a>)</td><td>{{.Status}}</td><td>{{.Secs}}</td></tr>
{{end}}</table>
<h2>Figures</h2>
{{range .Figures}}<figure><img src="{{.}}" alt="{{.}}" style="max-width:100%"><figcaption>{{.}}</figcaption></figure>
{{end}}
</body></html>
`))

func writeIndex(out string, info backend.Info, results []notebook.Result, took time.Duration) error {
	type row struct{ Name, HTML, IPYNB, Status, Secs string }
	var rows []row
	for _, r := range results {
		rel := func(p string) string { s, _ := filepath.Rel(out, p); return filepath.ToSlash(s) }
		status := "ok"
		if len(r.Problems) > 0 {
			status = "FAILED: " + r.Problems[0]
		}
		rows = append(rows, row{filepath.Base(r.Source), rel(r.HTML), rel(r.Executed), status, fmt.Sprintf("%.1fs", r.Duration.Seconds())})
	}
	figs, _ := filepath.Glob(filepath.Join(out, "figures", "*.png"))
	var figRel []string
	for _, f := range figs {
		figRel = append(figRel, "figures/"+filepath.Base(f))
	}
	v := backend.Versions()
	var sb strings.Builder
	err := indexTmpl.Execute(&sb, map[string]any{
		"When": time.Now().UTC().Format(time.RFC3339), "Took": took.Round(time.Second).String(),
		"Backend": info.Config, "Reason": info.Reason,
		"Versions": fmt.Sprintf("bgdlab %s, GoMLX %s, go-xla %s, %s", v["bgdlab"], v["gomlx"], v["go-xla"], v["go"]),
		"Out":      out, "Rows": rows, "Figures": figRel,
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	return plots.WriteFileAtomic(filepath.Join(out, "index.html"), []byte(sb.String()))
}
