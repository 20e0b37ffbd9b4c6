package notebook

import (
	"bytes"
	"context"
	_ "embed" // checkenv.py
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// checkEnv is the script that decides whether an interpreter is the pinned
// environment; scripts/setup runs the same file.
//
//go:embed checkenv.py
var checkEnv string

// ErrToolchain marks errors that mean the notebook toolchain itself (the
// pinned Python environment, GoNB, goimports, the kernelspec) is missing or
// wrong, as opposed to a notebook whose cells failed.
var ErrToolchain = errors.New("notebook toolchain")

var checked sync.Map // key → error (nil when the toolchain passed)

// requirements is the requirements file the interpreter's versions are
// checked against: opt.Requirements, else scripts/python/requirements.txt of
// the checkout whose .tools/bin is opt.ToolsBin.
func requirements(opt Options) string {
	if opt.Requirements != "" {
		return opt.Requirements
	}
	if opt.ToolsBin == "" {
		return ""
	}
	root := filepath.Dir(filepath.Dir(opt.ToolsBin))
	return filepath.Join(root, "scripts", "python", "requirements.txt")
}

// CheckToolchain verifies, before any notebook runs, everything Execute
// needs: the interpreter (Python) is a virtual environment holding the
// versions of JupyterLab, Notebook, nbclient, nbconvert and nbgrader pinned
// in the requirements file — not a system Python that happens to import
// nbconvert — and GoNB, goimports and the GoNB kernelspec are where setup
// puts them. The result is remembered for the process. Errors wrap
// ErrToolchain and name the fix.
func CheckToolchain(ctx context.Context, opt Options) error {
	py, req := Python(opt.ToolsBin), requirements(opt)
	key := py + "\x00" + req + "\x00" + opt.ToolsBin + "\x00" + opt.JupyterDataDir
	if v, ok := checked.Load(key); ok {
		err, _ := v.(error)
		return err
	}
	err := checkToolchain(ctx, py, req, opt)
	checked.Store(key, err)
	return err
}

func checkToolchain(ctx context.Context, py, req string, opt Options) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrToolchain, fmt.Sprintf(format, args...))
	}
	if req == "" {
		return fail("no requirements file to check %s against (set Options.Requirements or ToolsBin)", py)
	}
	if _, err := os.Stat(req); err != nil {
		return fail("requirements file %s: %v", req, err)
	}
	script, err := os.CreateTemp("", "bgdlab-checkenv-*.py")
	if err != nil {
		return err
	}
	defer os.Remove(script.Name())
	if _, err := script.WriteString(checkEnv); err != nil {
		script.Close()
		return err
	}
	if err := script.Close(); err != nil {
		return err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, py, script.Name(), req)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if msg == "" {
			msg = err.Error()
		}
		return fail("%s is not the pinned Python environment: %s", py, msg)
	}
	if opt.ToolsBin != "" {
		for _, tool := range []string{"gonb", "goimports"} {
			if _, err := os.Stat(filepath.Join(opt.ToolsBin, tool)); err != nil {
				return fail("%s not found in %s: run scripts/setup", tool, opt.ToolsBin)
			}
		}
	}
	if opt.JupyterDataDir != "" {
		spec := filepath.Join(opt.JupyterDataDir, "kernels", "gonb", "kernel.json")
		if _, err := os.Stat(spec); err != nil {
			return fail("the GoNB kernelspec %s is missing: run scripts/setup", spec)
		}
	}
	return nil
}
