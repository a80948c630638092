package controller_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/controller"
	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/kubetest"
	"github.com/ferrycd/ferry/internal/promserver"
)

// cluster is a real API server with ferry's CRD, a Prometheus with healthy
// workloads, and a client.
type cluster struct {
	t    *testing.T
	env  *envtest.Environment
	c    client.Client
	prom *promserver.Server
}

// managers counts the controllers the tests started, to name them apart.
var managers atomic.Int64

func newCluster(t *testing.T) *cluster { t.Helper(); return newClusterWith(t) }

// newClusterWith is newCluster with more CRD directories installed.
func newClusterWith(t *testing.T, crdDirs ...string) *cluster {
	t.Helper()
	env := kubetest.Start(t, append([]string{"../charts/ferry/crds"}, crdDirs...)...)
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	prom := e2e.HealthyPrometheus(t)
	return &cluster{t: t, env: env, c: c, prom: prom}
}

// start runs a controller until the test ends or stop is called; its
// state directory tells which projects it delivered.
func (k *cluster) start(opts controller.Options) (stateDir string, stop func()) {
	k.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	opts.Config = k.env.Config
	opts.Name = fmt.Sprintf("project-%d", managers.Add(1))
	opts.Fleet = fleet.Options{StateDir: k.t.TempDir()}
	opts.Log = testr.New(k.t)
	done := make(chan error, 1)
	go func() { done <- controller.Run(ctx, opts) }()
	stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				k.t.Errorf("controller: %v", err)
			}
		case <-time.After(30 * time.Second):
			k.t.Error("the controller did not stop")
		}
	}
	k.t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return opts.Fleet.StateDir, stop
}

// repo is a bare repository with the fast sockshop, served over HTTP.
func repo(t *testing.T, auth *gittest.BasicAuth) (bare, url string) {
	t.Helper()
	bare = gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "../cmd/ferry/testdata/fast.txtar")
	_, url = gittest.NewHTTPServer(t, bare, auth)
	return bare, url
}

func (k *cluster) project(name string, labels map[string]string, spec v1alpha1.ProjectSpec) {
	k.t.Helper()
	spec.Interval = metav1.Duration{Duration: time.Second}
	spec.Prometheus = &v1alpha1.Prometheus{URL: k.prom.URL}
	p := &v1alpha1.Project{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: labels}, Spec: spec}
	if err := k.c.Create(context.Background(), p); err != nil {
		k.t.Fatal(err)
	}
}

func (k *cluster) get(name string) *v1alpha1.Project {
	k.t.Helper()
	var p v1alpha1.Project
	if err := k.c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, &p); err != nil {
		k.t.Fatal(err)
	}
	return &p
}

// A Project on a real API server: its credentials from a Secret (a wrong
// password shows as AuthenticationFailed, the rotated one delivers), its
// candidate promoted to production, its status saying so.
func TestProjectDeliversAndReports(t *testing.T) {
	k := newCluster(t)
	bare, url := repo(t, &gittest.BasicAuth{User: "ferry", Password: "s3cret"})
	ctx := context.Background()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: "default"},
		Data:       map[string][]byte{v1alpha1.SecretKeyUsername: []byte("ferry"), v1alpha1.SecretKeyPassword: []byte("wrong")},
	}
	if err := k.c.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	k.project("shop", nil, v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: url, SecretRef: &meta.LocalObjectReference{Name: "git"}}})
	k.start(controller.Options{Listen: e2e.FreeAddr(t)})

	e2e.WaitFor(t, 60*time.Second, "AuthenticationFailed", func() bool {
		c := apimeta.FindStatusCondition(k.get("shop").Status.Conditions, meta.ReadyCondition)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == "AuthenticationFailed"
	})
	if msg := apimeta.FindStatusCondition(k.get("shop").Status.Conditions, meta.ReadyCondition).Message; strings.Contains(msg, "wrong") {
		t.Errorf("the condition shows the password: %s", msg)
	}
	secret.Data[v1alpha1.SecretKeyPassword] = []byte("s3cret")
	if err := k.c.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	e2e.WaitFor(t, 90*time.Second, "carts 0.11.1 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.1" })
	main := strings.TrimSpace(gittest.Git(t, bare, "rev-parse", "main"))
	e2e.WaitFor(t, 30*time.Second, "a Ready project", func() bool {
		p := k.get("shop")
		c := apimeta.FindStatusCondition(p.Status.Conditions, meta.ReadyCondition)
		return c != nil && c.Status == metav1.ConditionTrue && p.Status.LastHandledRevision == "main@sha1:"+main &&
			len(p.Status.Stages) == 3 && len(p.Status.Stages[2].Services) == 1 && p.Status.Stages[2].Services[0].Deployed != ""
	})
	p := k.get("shop")
	if p.Status.ObservedGeneration != p.Generation {
		t.Errorf("observedGeneration %d, generation %d", p.Status.ObservedGeneration, p.Generation)
	}
	prod := p.Status.Stages[2]
	if prod.Name != "production" || len(prod.Services) != 1 || prod.Services[0].Deployed != "image=carts:0.11.1" {
		t.Errorf("production in the status: %+v", prod)
	}
}

// With leader election, one of two replicas delivers; when it stops, the
// other takes over, and the next bump reaches production exactly once.
func TestLeaderElectionHandsOver(t *testing.T) {
	k := newCluster(t)
	bare, url := repo(t, nil)
	k.project("shop", nil, v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: url}})
	elect := controller.Options{
		LeaderElection: true, LeaderElectionID: "ferry-test", LeaderElectionNamespace: "default",
		LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 200 * time.Millisecond,
	}
	first, stopFirst := k.start(elect)
	e2e.WaitFor(t, 90*time.Second, "carts 0.11.1 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.1" })
	second, _ := k.start(elect)
	time.Sleep(2 * time.Second)
	if exists(filepath.Join(second, "default", "shop")) {
		t.Fatal("the standby delivers too")
	}
	if !exists(filepath.Join(first, "default", "shop")) {
		t.Fatal("the leader has no mirror of the project")
	}
	stopFirst()
	gittest.CommitFiles(t, bare, "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})
	e2e.WaitFor(t, 90*time.Second, "carts 0.11.2 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.2" })
	if !exists(filepath.Join(second, "default", "shop")) {
		t.Error("the standby did not take over")
	}
	time.Sleep(2 * time.Second) // anything doubled would show now
	deploys := gittest.Git(t, bare, "log", "--format=%s", "stage/production")
	if n := strings.Count(deploys, "carts:0.11.2"); n != 1 {
		t.Errorf("%d commits deploy carts:0.11.2 to production, want 1:\n%s", n, deploys)
	}
}

// Two shards split the Projects by label, Flux's way.
func TestShardsSplitProjects(t *testing.T) {
	k := newCluster(t)
	bareA, urlA := repo(t, nil)
	bareMain, urlMain := repo(t, nil)
	k.project("sharded", map[string]string{"sharding.fluxcd.io/key": "a"}, v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: urlA}})
	k.project("unsharded", nil, v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: urlMain}})
	shardA, _ := k.start(controller.Options{WatchLabelSelector: "sharding.fluxcd.io/key=a"})
	mainShard, _ := k.start(controller.Options{WatchLabelSelector: "!sharding.fluxcd.io/key"})
	for name, bare := range map[string]string{"sharded": bareA, "unsharded": bareMain} {
		e2e.WaitFor(t, 90*time.Second, name+"'s carts in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.1" })
	}
	for dir, want := range map[string][2]bool{shardA: {true, false}, mainShard: {false, true}} {
		if got := [2]bool{exists(filepath.Join(dir, "default", "sharded")), exists(filepath.Join(dir, "default", "unsharded"))}; got != want {
			t.Errorf("%s holds sharded, unsharded = %v, want %v", dir, got, want)
		}
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
