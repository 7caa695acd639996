package vtl

import (
	"context"
	"fmt"

	"github.com/resilientpay/paymentapi/internal/harness/npmproject"
)

// Install makes sure velocityjs is installed from tools/vtl's lock file
// (npm ci, once, under a file lock). It returns the project directory.
func Install(ctx context.Context) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	if err := npmproject.Install(ctx, dir); err != nil {
		return "", fmt.Errorf("vtl: %w", err)
	}
	return dir, nil
}
