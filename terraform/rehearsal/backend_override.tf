# Rehearsal only (deploy/rehearsal.py): copied next to a scratch copy of the
# root, never into terraform/ itself. State stays on local disk.
terraform {
  backend "local" {}
}
