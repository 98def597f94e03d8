# An S3 protocol server (moto) for the test suite: listens on 127.0.0.1:PORT (argv[1]),
# prints "ready" and serves until its stdin closes (the test process ended, however it ended).
import sys

from moto.server import ThreadedMotoServer

server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
