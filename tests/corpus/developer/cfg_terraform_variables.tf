# Terraform: variables.tf with sensitive inputs and validation
variable "db_instance_class" {
  type        = string
  default     = "db.t4g.medium"
  description = "RDS instance class"
}

variable "image_tag" {
  type        = string
  description = "Container image tag (a git SHA)"
  validation {
    condition     = can(regex("^[0-9a-f]{12}$", var.image_tag))
    error_message = "image_tag must be a 12-character git SHA."
  }
}

variable "ecr_repo" {
  type    = string
  default = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders-api"
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = null
}

variable "datadog_api_key" {
  type        = string
  sensitive   = true
  description = "Set through TF_VAR_datadog_api_key in CI"
}

output "db_endpoint" {
  value = aws_db_instance.orders.address
}

output "db_password" {
  value     = var.db_password
  sensitive = true
}

locals {
  tags = {
    service     = "orders"
    environment = "prod"
    owner       = "team-payments"
    cost_center = "CC-4410"
  }
}
