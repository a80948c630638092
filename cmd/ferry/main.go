package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ferrycd/ferry/stages/renderer"
)

// shutdownGrace is how long ferry takes to stop cleanly after SIGTERM or
// an interrupt before it exits anyway: a parse or a pass that cannot be
// interrupted never keeps it running.
const shutdownGrace = 10 * time.Second

func main() {
	renderer.MaybeServeWorker()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		time.Sleep(shutdownGrace)
		_, _ = fmt.Fprintf(os.Stderr, "ferry: did not stop within %s of the signal; exiting\n", shutdownGrace)
		os.Exit(exitFailed)
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
