# Ruby: a Rails API controller with token authentication
class Api::V1::BaseController < ActionController::API
  include ActionController::HttpAuthentication::Token::ControllerMethods

  before_action :authenticate!
  rescue_from ActiveRecord::RecordNotFound, with: :not_found

  private

  def authenticate!
    authenticate_or_request_with_http_token do |token, _options|
      @current_token = ApiToken.active.find_by_digest(Digest::SHA256.hexdigest(token))
      @current_token&.touch(:last_used_at)
      @current_token.present?
    end
  end

  def current_user
    @current_user ||= @current_token&.user
  end

  def not_found(error)
    render json: { error: "not_found", model: error.model }, status: :not_found
  end
end

class Api::V1::WebhooksController < Api::V1::BaseController
  skip_before_action :authenticate!

  def github
    signature = request.headers["X-Hub-Signature-256"].to_s
    secret = Rails.application.credentials.dig(:github, :webhook_secret)
    expected = "sha256=" + OpenSSL::HMAC.hexdigest("SHA256", secret, request.raw_post)
    head :unauthorized and return unless ActiveSupport::SecurityUtils.secure_compare(signature, expected)

    GithubEventJob.perform_later(request.headers["X-GitHub-Event"], JSON.parse(request.raw_post))
    head :accepted
  end
end
