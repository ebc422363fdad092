// npcni: one pod sandbox's network set up or torn down the way containerd's CRI plugin does it,
// through containerd's own CNI library (go-cni over libcni) and the real plugins, so that the
// result cache files under /var/lib/cni/results are the ones a node really has.
//
//	npcni add|del CONFDIR CACHEROOT NETNS CONTAINERID K8SNS PODNAME UID IFNAME
//
// add prints "IP HOSTVETH PODMAC" (the pod interface's first address, the host end of its veth,
// its MAC) on one line. libcni keeps its cache in /var/lib/cni and go-cni cannot move it: when
// CACHEROOT is elsewhere, npcni re-runs itself in a private mount namespace with CACHEROOT
// bind-mounted over /var/lib/cni (host-local's leases land there too).
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	gocni "github.com/containerd/go-cni"
)

const (
	libcniDir  = "/var/lib/cni"
	pluginDir  = "/usr/lib/cni"
	innerEnv   = "NPCNI_MOUNTED"
	podAnnoCap = "io.kubernetes.cri.pod-annotations"
)

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "npcni: "+format+"\n", a...)
	os.Exit(1)
}

// reexecMounted runs this program again in a new mount namespace (Go makes "/" private there
// first), where the child bind-mounts cacheRoot over /var/lib/cni before touching libcni.
func reexecMounted(cacheRoot string) {
	if err := os.MkdirAll(libcniDir, 0o755); err != nil {
		fail("mkdir %s: %v", libcniDir, err)
	}
	if err := os.MkdirAll(cacheRoot, 0o700); err != nil {
		fail("mkdir %s: %v", cacheRoot, err)
	}
	self, err := os.Executable()
	if err != nil {
		fail("own path: %v", err)
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), innerEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		fail("re-exec: %v", err)
	}
	os.Exit(0)
}

// ifPrefix: go-cni names the default network's interface <prefix>0
func ifPrefix(ifname string) string {
	if !strings.HasSuffix(ifname, "0") || len(ifname) < 2 {
		fail("interface name %q must end in 0 (go-cni numbers the default network 0)", ifname)
	}
	return strings.TrimSuffix(ifname, "0")
}

func main() {
	if len(os.Args) != 10 || (os.Args[1] != "add" && os.Args[1] != "del") {
		fmt.Fprintln(os.Stderr, "usage: npcni add|del CONFDIR CACHEROOT NETNS CONTAINERID K8SNS PODNAME UID IFNAME")
		os.Exit(2)
	}
	verb, confDir, cacheRoot, netns := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	id, k8sNs, pod, uid, ifname := os.Args[5], os.Args[6], os.Args[7], os.Args[8], os.Args[9]

	if cacheRoot != libcniDir {
		if os.Getenv(innerEnv) == "" {
			reexecMounted(cacheRoot)
		}
		if err := syscall.Mount(cacheRoot, libcniDir, "", syscall.MS_BIND, ""); err != nil {
			fail("bind %s over %s: %v", cacheRoot, libcniDir, err)
		}
	}

	// containerd's CRI plugin: two networks at least (loopback + the default one), the
	// first config file of the directory, plugins from the node's CNI bin dir.
	cni, err := gocni.New(gocni.WithMinNetworkCount(2), gocni.WithPluginConfDir(confDir),
		gocni.WithPluginMaxConfNum(1), gocni.WithPluginDir([]string{pluginDir}),
		gocni.WithInterfacePrefix(ifPrefix(ifname)))
	if err != nil {
		fail("new: %v", err)
	}
	if err := cni.Load(gocni.WithLoNetwork, gocni.WithDefaultConf); err != nil {
		fail("load: %v", err)
	}
	opts := []gocni.NamespaceOpts{
		gocni.WithLabels(map[string]string{
			"K8S_POD_NAMESPACE":          k8sNs,
			"K8S_POD_NAME":               pod,
			"K8S_POD_INFRA_CONTAINER_ID": id,
			"K8S_POD_UID":                uid,
			"IgnoreUnknown":              "1",
		}),
		gocni.WithCapability(podAnnoCap, map[string]string{
			"kubernetes.io/config.source": "api",
		}),
		gocni.WithCapabilityPortMap([]gocni.PortMapping{}),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if verb == "del" {
		if err := cni.Remove(ctx, id, netns, opts...); err != nil {
			fail("remove %s: %v", id, err)
		}
		return
	}
	res, err := cni.Setup(ctx, id, netns, opts...)
	if err != nil {
		fail("setup %s: %v", id, err)
	}
	pod0, ok := res.Interfaces[ifname]
	if !ok || len(pod0.IPConfigs) == 0 {
		fail("setup %s: no address on %s", id, ifname)
	}
	// The host end: the last interface of the default network's result outside the sandbox
	// (the bridge plugin lists cni0, the host veth, then the pod's interface).
	veth := ""
	for _, r := range res.Raw() {
		for _, i := range r.Interfaces {
			if i.Sandbox == "" && strings.HasPrefix(i.Name, "veth") {
				veth = i.Name
			}
		}
	}
	if veth == "" {
		fail("setup %s: no host veth in the result", id)
	}
	fmt.Printf("%s %s %s\n", pod0.IPConfigs[0].IP, veth, pod0.Mac)
}
