package restore_test

import (
	"testing"

	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func TestTableInUseIsTheStacksOrARestoredTableOfTheSameSuffix(t *testing.T) {
	for _, tt := range []struct {
		name, suffix, restored, want string
		wantErr                      bool
	}{
		{"without a cutover, the stack's own table", "prod", "", "transactions-table-prod", false},
		{"after a cutover, the restored table", "prod", "transactions-table-prod-r202612071000", "transactions-table-prod-r202612071000", false},
		{"another environment's restored table is refused", "prod", "transactions-table-qa-r202612071000", "", true},
		{"a name that is no restored table is refused", "prod", "payments", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := restore.TableInUse(tt.suffix, tt.restored)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("TableInUse(%q, %q) = %q, %v; want %q, error %v", tt.suffix, tt.restored, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
