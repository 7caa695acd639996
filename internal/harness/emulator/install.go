package emulator

import (
	"context"
	"fmt"

	"github.com/resilientpay/paymentapi/internal/harness/npmproject"
)

// DirEnv overrides where the emulators' npm project (package.json and
// package-lock.json) is; by default it is tools/emulators of this
// repository.
const DirEnv = "PAYMENTAPI_EMULATORS_DIR"

// Dir returns the emulators' npm project directory.
func Dir() (string, error) {
	d, err := npmproject.Find("emulators", "package-lock.json", DirEnv)
	if err != nil {
		return "", fmt.Errorf("emulator: %w", err)
	}
	return d, nil
}

// Install makes sure the emulators are installed from their lock file
// (npm ci, once, under a file lock). It returns the project directory.
func Install(ctx context.Context) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	if err := npmproject.Install(ctx, dir); err != nil {
		return "", fmt.Errorf("emulator: %w", err)
	}
	return dir, nil
}
