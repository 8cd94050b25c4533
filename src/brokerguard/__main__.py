from brokerguard.cli.main import main

main()
