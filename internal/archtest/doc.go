// Package archtest holds the test that keeps bgdlab's dependencies flowing
// one way, as docs/architecture.md draws them: each package imports only
// packages of lower layers (plus the listed, dated exceptions).
package archtest
