// Kotlin: a Ktor application with JWT authentication configured from HOCON/env
package com.acme.catalog

import com.auth0.jwt.JWT
import com.auth0.jwt.algorithms.Algorithm
import io.ktor.server.application.*
import io.ktor.server.auth.*
import io.ktor.server.auth.jwt.*
import io.ktor.server.response.*
import io.ktor.server.routing.*

fun Application.module() {
    val secret = environment.config.property("jwt.secret").getString()
    val issuer = environment.config.property("jwt.issuer").getString()
    val audience = environment.config.propertyOrNull("jwt.audience")?.getString() ?: "catalog"

    install(Authentication) {
        jwt("auth-jwt") {
            realm = "catalog"
            verifier(JWT.require(Algorithm.HMAC256(secret)).withAudience(audience).withIssuer(issuer).build())
            validate { credential ->
                if (credential.payload.getClaim("scope").asString()?.contains("catalog:read") == true) JWTPrincipal(credential.payload) else null
            }
            challenge { _, _ -> call.respondText("Token is not valid or has expired", status = io.ktor.http.HttpStatusCode.Unauthorized) }
        }
    }
    routing {
        authenticate("auth-jwt") {
            get("/products/{sku}") {
                val sku = call.parameters["sku"]!!
                call.respond(mapOf("sku" to sku, "price" to 2499))
            }
        }
    }
}
