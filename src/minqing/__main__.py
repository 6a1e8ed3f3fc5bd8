from minqing.cli import main

main()
