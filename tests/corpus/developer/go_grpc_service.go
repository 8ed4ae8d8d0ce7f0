// Go: a gRPC service implementation with interceptors
package orders

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/acme/platform/gen/orders/v1"
)

type Server struct {
	pb.UnimplementedOrderServiceServer
	store Store
}

func (s *Server) GetOrder(ctx context.Context, req *pb.GetOrderRequest) (*pb.Order, error) {
	if req.GetId() == "" {
		return nil, status.Error(codes.InvalidArgument, "id is required")
	}
	o, err := s.store.Get(ctx, req.GetId())
	if err != nil {
		return nil, status.Errorf(codes.NotFound, "order %s: %v", req.GetId(), err)
	}
	return o, nil
}

func AuthInterceptor(verify func(token string) error) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		values := md.Get("authorization")
		if len(values) == 0 {
			return nil, status.Error(codes.Unauthenticated, "missing authorization")
		}
		token := strings.TrimPrefix(values[0], "Bearer ")
		if err := verify(token); err != nil {
			return nil, status.Error(codes.Unauthenticated, "invalid token")
		}
		return handler(ctx, req)
	}
}
