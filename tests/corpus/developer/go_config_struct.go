// Go: configuration struct with envconfig tags and secrets loaded from files
package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/kelseyhightower/envconfig"
)

type Config struct {
	Env          string   `envconfig:"APP_ENV" default:"dev"`
	HTTPPort     int      `envconfig:"HTTP_PORT" default:"8080"`
	DBHost       string   `envconfig:"DB_HOST" required:"true"`
	DBUser       string   `envconfig:"DB_USER" default:"app"`
	DBPassword   string   `envconfig:"DB_PASSWORD"`
	DBPassFile   string   `envconfig:"DB_PASSWORD_FILE"`
	KafkaBrokers []string `envconfig:"KAFKA_BROKERS" default:"kafka-0:9092,kafka-1:9092"`
	SigningKey   string   `envconfig:"SIGNING_KEY_PATH" default:"/etc/app/signing.pem"`
}

func Load() (*Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return nil, fmt.Errorf("envconfig: %w", err)
	}
	if c.DBPassword == "" && c.DBPassFile != "" {
		b, err := os.ReadFile(c.DBPassFile)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", c.DBPassFile, err)
		}
		c.DBPassword = strings.TrimSpace(string(b))
	}
	return &c, nil
}

func (c *Config) DSN() string {
	return fmt.Sprintf("host=%s user=%s password=%s dbname=app sslmode=require", c.DBHost, c.DBUser, c.DBPassword)
}
