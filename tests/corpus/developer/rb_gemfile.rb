# Ruby: Gemfile of a Rails 7.1 application
source "https://rubygems.org"

ruby "3.3.1"

gem "rails", "~> 7.1.3"
gem "pg", "~> 1.5"
gem "puma", ">= 6.4"
gem "bootsnap", require: false
gem "devise", "~> 4.9"
gem "doorkeeper", "~> 5.7"
gem "jwt", "~> 2.8"
gem "aws-sdk-s3", "~> 1.151", require: false
gem "stripe", "~> 11.3"
gem "sidekiq", "~> 7.2"
gem "rack-attack", "~> 6.7"

group :development, :test do
  gem "debug", platforms: %i[mri windows]
  gem "rspec-rails", "~> 6.1"
  gem "factory_bot_rails"
  gem "dotenv-rails", "~> 3.1"
end

group :development do
  gem "web-console"
  gem "brakeman", require: false
  gem "bundler-audit", require: false
end
