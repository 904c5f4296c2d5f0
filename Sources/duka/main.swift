print("duka")
