package emulator

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// On Linux a child gets SIGKILL when the thread that started it exits
// (Pdeathsig). Children are started from one goroutine locked to its OS
// thread for the life of the process, so they die exactly when this
// process does, even if it crashes or is killed before Stop runs.

type spawnCall struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawns    = make(chan spawnCall)
)

func spawn(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	spawnOnce.Do(func() { go spawner() })
	c := spawnCall{cmd: cmd, done: make(chan error, 1)}
	spawns <- c
	return <-c.done
}

func spawner() {
	runtime.LockOSThread() // never unlocked: the thread lives as long as the process
	for c := range spawns {
		c.done <- c.cmd.Start()
	}
}
