// Jenkins: a declarative Jenkinsfile using the credentials() helper
pipeline {
    agent { label 'linux && docker' }
    options { timeout(time: 30, unit: 'MINUTES'); disableConcurrentBuilds() }
    environment {
        REGISTRY = 'registry.acme.test'
        REGISTRY_CREDS = credentials('registry-ci')
        SONAR_TOKEN = credentials('sonarcloud-token')
        AWS_DEFAULT_REGION = 'eu-west-1'
    }
    stages {
        stage('Test') {
            steps {
                sh './gradlew test jacocoTestReport'
            }
        }
        stage('Sonar') {
            steps {
                sh './gradlew sonar -Dsonar.token=$SONAR_TOKEN -Dsonar.projectKey=acme_payments'
            }
        }
        stage('Image') {
            when { branch 'main' }
            steps {
                sh 'echo $REGISTRY_CREDS_PSW | docker login $REGISTRY -u $REGISTRY_CREDS_USR --password-stdin'
                sh 'docker build -t $REGISTRY/payments:$GIT_COMMIT . && docker push $REGISTRY/payments:$GIT_COMMIT'
            }
        }
        stage('Deploy') {
            when { branch 'main' }
            steps {
                withCredentials([string(credentialsId: 'argocd-token', variable: 'ARGOCD_AUTH_TOKEN')]) {
                    sh 'argocd app set payments --helm-set image.tag=$GIT_COMMIT && argocd app sync payments'
                }
            }
        }
    }
    post { always { junit 'build/test-results/**/*.xml' } }
}
