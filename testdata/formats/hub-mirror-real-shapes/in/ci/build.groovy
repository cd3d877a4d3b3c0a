// Shared library step: builds and tests inside the toolchain image.
def call(Map config = [:]) {
    node {
        def app = docker.build("acme/toolchain:${env.BUILD_ID}")
        docker.image('maven:3.9-eclipse-temurin-21').inside('-v $HOME/.m2:/root/.m2') {
            sh 'mvn -B verify'
        }
        docker.image(config.image ?: 'alpine:3.20').pull()
    }
}
