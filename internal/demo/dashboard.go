package demo

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// The demo's project in the dashboard's addresses, as ferry ui names the
// repository sockshop.git.
const (
	uiNamespace = "default"
	uiName      = "sockshop"
)

// serveDashboard serves the dashboard of ferry's mirror, which its loop
// keeps fresh, on ln; stop shuts it down. url is the board's address.
func serveDashboard(ferry *gitstore.Store, ln net.Listener) (stop func(), url string) {
	d := dashboard.New(dashboard.Options{Projects: func() []dashboard.Project {
		return []dashboard.Project{{Namespace: uiNamespace, Name: uiName, Store: ferry}}
	}})
	srv := ingress.NewServer(ln.Addr().String(), d)
	srv.RegisterOnShutdown(d.Close)
	go func() { _ = srv.Serve(ln) }()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return stop, fmt.Sprintf("http://%s/projects/%s/%s", ln.Addr(), uiNamespace, uiName)
}
