# Ruby: an RSpec request spec for token-protected endpoints
require "rails_helper"

RSpec.describe "Orders API", type: :request do
  let(:user) { create(:user) }
  let(:token) { create(:api_token, user: user) }
  let(:headers) { { "Authorization" => "Bearer #{token.plaintext}", "Accept" => "application/json" } }

  describe "GET /api/v1/orders" do
    it "returns the user's orders" do
      create_list(:order, 3, user: user)
      get "/api/v1/orders", headers: headers
      expect(response).to have_http_status(:ok)
      expect(response.parsed_body["items"].size).to eq(3)
    end

    it "rejects a revoked token" do
      token.update!(revoked_at: 1.minute.ago)
      get "/api/v1/orders", headers: headers
      expect(response).to have_http_status(:unauthorized)
    end

    it "rejects a missing token" do
      get "/api/v1/orders"
      expect(response).to have_http_status(:unauthorized)
      expect(response.headers["WWW-Authenticate"]).to eq('Token realm="Application"')
    end
  end
end
