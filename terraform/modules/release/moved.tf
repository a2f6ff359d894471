# The CodeDeploy and hook roles had a resource each before they became one
# map: state follows them here, nothing is replaced.

moved {
  from = aws_iam_role.codedeploy
  to   = aws_iam_role.this["codedeploy"]
}

moved {
  from = aws_iam_role.hook
  to   = aws_iam_role.this["hook"]
}
