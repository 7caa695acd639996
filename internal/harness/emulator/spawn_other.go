//go:build unix && !linux

package emulator

import (
	"os/exec"
	"syscall"
)

// Without Pdeathsig, children outlive a crashed test binary; Stop and Main
// still kill them. The SQS emulator also exits when its stdin closes.
func spawn(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}
