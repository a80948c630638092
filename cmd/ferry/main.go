package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferrycd/ferry/stages/renderer"
)

func main() {
	renderer.MaybeServeWorker()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
